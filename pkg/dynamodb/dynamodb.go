// Package dynamodb is the Amazon DynamoDB storage engine. It implements every
// todo store interface on four tables with single-item conditional writes
// (a purge of one user's todos or sessions deletes in unconditional
// batches), and todo.AtomicWriter with one TransactWriteItems call
// (atomic.go: the todo service's fast path, one write request per todo
// write), and decodes the users table's stream records into
// todo.UserChange values for the mailer.
//
// # Tables
//
//   - users: partition key "email" (S). One item per account; the users
//     table has a stream (NEW_AND_OLD_IMAGES) that feeds the mailer.
//   - todos: partition key "userId" (S), sort key "id" (S). Todo IDs are
//     ULIDs, so the sort order is the creation order.
//   - sessions: partition key "userId" (S), sort key "id" (S): refresh
//     sessions, so one user's are one partition. "expires" (N, epoch
//     seconds of ExpiresAt, rounded up) is the table's time-to-live
//     attribute; reads go by "expiresAt" and ignore expired items.
//   - keys: partition key "key" (S). Claims live under "claim:"+key and
//     failure counters under "throttle:"+key; "expires" (N, epoch seconds)
//     is the table's time-to-live attribute.
//
// # Attributes
//
// Times are stored as RFC 3339 strings in UTC with nanoseconds
// (time.RFC3339Nano) and left out when zero, so items read well in the
// console and in stream records. The one exception is "expires" on the keys
// and sessions tables: DynamoDB's time to live needs epoch seconds, so it is rounded up to
// the next whole second (a record never ends early; it may be held up to a
// second longer). Optional strings are left out when empty. Every item has a
// "version" (N) for optimistic concurrency, and every item a conditional
// write made has "writeId" (S), the token of that write.
//
// # Consistency
//
// Every read is strongly consistent, so a write is visible to the next read
// and a conditional write fails only on a real race. Time-to-live deletion
// is lazy in DynamoDB (it may take days), so expired claims and counters are
// treated as absent by every read and condition here, not left to the TTL.
//
// # Failures
//
// Every call runs under a deadline: its context's, and at most
// Config.CallTimeout, within which the SDK retries (at most 3 attempts of at
// most Config.AttemptTimeout each). Throttling (ProvisionedThroughputExceeded,
// ThrottlingException, RequestLimitExceeded), server-side failures, timeouts,
// an ended context and broken or refused connections come back as
// todo.Unavailable with Retry-After 1, wrapping the SDK's error; a failed
// condition is a todo.Conflict or todo.NotFound, unless the item holds the
// call's own write (a random "writeId" attribute every conditional write
// sets: the SDK resent a write whose answer was lost; see writes.go);
// anything else is wrapped as it is ("dynamodb: put todo: ...") and is a
// bug. Counter updates are never resent by the SDK (see AddCount).
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// Config names the tables and how to reach DynamoDB.
type Config struct {
	Region     string // e.g. "us-east-1"; required
	Endpoint   string // optional override, e.g. "http://127.0.0.1:8000" for dynalite
	UsersTable string // required
	TodosTable string // required
	KeysTable  string // required (claims and throttles)
	// SessionsTable holds refresh sessions. It is optional, so a function
	// that keeps no sessions need not name it; without it every session
	// call fails and CreateTables creates no sessions table.
	SessionsTable string

	// AccessKeyID, SecretAccessKey and SessionToken are the credentials:
	// on Lambda, the function role's AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which stay valid for the
	// execution environment's life. They are required unless Endpoint is
	// set (dynalite takes any). The SDK's full default chain (profiles,
	// SSO, instance metadata) is deliberately not linked in: it costs 3.5 MB
	// of binary and cold start, and a function never needs it.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// CallTimeout bounds one store call to DynamoDB, the SDK's retries
	// included (DefaultCallTimeout when zero); a call also ends with its
	// context. AttemptTimeout bounds one HTTP attempt of it, connecting
	// included (DefaultAttemptTimeout when zero, at most CallTimeout). A
	// call runs at most 3 attempts, at most 500 ms apart. A call that runs
	// out of time, and every throttling, server-side or connection failure,
	// is reported as todo.Unavailable with a Retry-After.
	CallTimeout    time.Duration
	AttemptTimeout time.Duration

	// Now returns the current time; it decides whether a claim or a
	// counter has expired. Nil means time.Now. Tests inject a clock here.
	Now func() time.Time
}

// Validate reports every missing required field in one error.
func (c Config) Validate() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"Region", c.Region},
		{"UsersTable", c.UsersTable},
		{"TodosTable", c.TodosTable},
		{"KeysTable", c.KeysTable},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if c.Endpoint == "" && (c.AccessKeyID == "" || c.SecretAccessKey == "") {
		missing = append(missing, "AccessKeyID and SecretAccessKey (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("dynamodb: config: missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// Store is the DynamoDB engine. It is safe for concurrent use.
type Store struct {
	client   *ddb.Client
	users    string
	todos    string
	keys     string
	sessions string
	now      func() time.Time
}

var _ todo.Store = (*Store)(nil)

// Open checks cfg and builds a client. It does not contact DynamoDB, so a
// cold start pays for no round trip; a missing table shows on first use.
//
// Credentials come from cfg (see Config). With an Endpoint, which is meant
// for a local DynamoDB-API server such as dynalite, missing credentials are
// replaced by dummy ones so the server works offline.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	client, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Store{client: client, users: cfg.UsersTable, todos: cfg.TodosTable, keys: cfg.KeysTable,
		sessions: cfg.SessionsTable, now: now}, nil
}

// Close releases the store. The SDK client holds only pooled HTTP
// connections, which need no explicit release, so Close always returns nil.
func (s *Store) Close() error { return nil }

func newClient(_ context.Context, cfg Config) (*ddb.Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	creds := credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	if cfg.AccessKeyID == "" {
		creds = credentials.NewStaticCredentialsProvider("dummy", "dummy", "")
	}
	opts := ddb.Options{Region: cfg.Region, Credentials: aws.NewCredentialsCache(creds)}
	withBudgets(&opts, cfg)
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	return ddb.New(opts), nil
}

func userKey(email string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"email": str(email)}
}

func keyKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"key": str(key)}
}

// getItem reads one item with a strongly consistent read; a missing item is
// (nil, nil), which every caller turns into its own NotFound.
func (s *Store) getItem(ctx context.Context, table string, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil || len(out.Item) == 0 {
		return nil, err
	}
	return out.Item, nil
}

// conditionFailed reports whether err is a failed condition, and returns
// the item as it was when DynamoDB returns it (ReturnValuesOnConditionCheckFailure);
// old is nil when the item did not exist or the server does not return it.
func conditionFailed(err error) (old map[string]types.AttributeValue, ok bool) {
	var e *types.ConditionalCheckFailedException
	if errors.As(err, &e) {
		return e.Item, true
	}
	return nil, false
}

// Attribute names shared by the expressions below. They go through
// ExpressionAttributeNames because some ("key") are reserved words.
var names = map[string]string{"#v": "version"}

func withNames(extra map[string]string) map[string]string {
	m := make(map[string]string, len(names)+len(extra))
	for k, v := range names {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func number(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

func str(s string) *types.AttributeValueMemberS {
	return &types.AttributeValueMemberS{Value: s}
}

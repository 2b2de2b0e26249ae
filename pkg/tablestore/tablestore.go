// Package tablestore is the Alibaba Cloud Tablestore storage engine. It
// implements every todo store interface on four tables with the official
// SDK, using single-row conditional writes (and BatchWriteRow for the
// unconditional deletes of a purge), and decodes the Function
// Compute trigger of the users table's stream into todo.UserChange values
// for the mailer.
//
// # Tables
//
//   - users: primary key "email" (STRING). Rows are always written whole
//     with PutRow, so every stream record carries the full new row; the
//     table is created with its stream enabled (24 hours) for the trigger.
//   - todos: primary key "userId" (STRING), "id" (STRING). Todo IDs are
//     ULIDs, so a backward range over one user's key lists newest first.
//   - keys: primary key "key" (STRING). Claims live under "claim:"+key and
//     failure counters under "throttle:"+key. The table's time to live is 7
//     days (see keysTTL), so the service drops a row 7 days after its last
//     write; reads check "expires" themselves.
//   - sessions: primary key "userId" (STRING), "id" (STRING): refresh
//     sessions, one user's in one key range. The table's time to live
//     (TimeToAlive) is the 30-day absolute session lifetime, so the service
//     drops a row 30 days after its last write; reads check "expiresAt"
//     themselves and report an expired session as absent before that.
//
// Every table keeps one version per cell; the keys and sessions tables
// have a time to live.
//
// # Columns
//
// Times are STRING columns in RFC 3339 with nanoseconds, UTC
// (time.RFC3339Nano), left out when zero, so rows read well in the console
// and in stream records; empty optional strings are left out too. Every
// row has "version" (INTEGER) for optimistic concurrency. The exception is
// "expires" on the keys table: an INTEGER of epoch milliseconds, rounded up
// (a record never ends early), because column conditions compare it.
//
// # Conditions
//
// Every invariant is a conditional write, evaluated by the service: a new
// row expects EXPECT_NOT_EXIST, a replacement expects EXPECT_EXIST plus
// "version" equal to the version read, and an expired claim or counter is
// taken over only if its "version" and "expires" still say it is the expired
// row that was read. A failed condition (OTSConditionCheckFail) becomes
// todo.Conflict or todo.NotFound here, unless the row holds the call's own
// write (a random "writeId" column every conditional write sets: the SDK
// resent a write whose answer was lost; see writes.go); every other failure
// is wrapped, as in "tablestore: put todo: ...". Expired claims and counters read as absent;
// they are overwritten on the next claim of the key, or dropped by the
// keys table's time to live.
//
// # Calls, contexts and failures
//
// The SDK takes no context. Every call runs in a goroutine under a
// deadline, its context's and at most Config.CallTimeout: when that passes
// the caller gets todo.Unavailable at once, while the SDK call, whose own
// timeouts and retries are set to end within the same budget (attempts of
// at most Config.AttemptTimeout, connecting included; at most 3), ends by
// itself. Throttling and server-side codes (OTSServerBusy, OTSFlowControl,
// OTSQuotaExhausted, OTSTimeout, OTSServerUnavailable, any 5xx or 429 ...),
// timeouts and broken or refused connections are todo.Unavailable with
// Retry-After 1, wrapping the SDK's error. Values passed to the SDK are
// checked first (non-empty keys of bounded length, only string, int64 and
// bool values), since the SDK panics on some bad input.
package tablestore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

// Config names the tables and how to reach Tablestore.
type Config struct {
	// Endpoint is the instance's address, such as
	// https://myinst.cn-hangzhou.ots.aliyuncs.com (or a double's URL).
	Endpoint string
	Instance string // the instance name; required
	// AccessKeyID, AccessKeySecret and SecurityToken are the credentials.
	// On Function Compute 3 they come from the function's role as
	// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and
	// ALIBABA_CLOUD_SECURITY_TOKEN (temporary STS credentials, so the token
	// is needed too). SecurityToken is empty for long-term keys.
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string

	UsersTable string // required
	TodosTable string // required
	KeysTable  string // required (claims and throttles)
	// SessionsTable holds refresh sessions. It is optional, so a function
	// that keeps no sessions need not name it; without it every session
	// call fails and CreateTables creates no sessions table.
	SessionsTable string

	// CallTimeout bounds one store call to Tablestore, the SDK's retries
	// included (DefaultCallTimeout when zero); a call also ends with its
	// context. AttemptTimeout bounds one HTTP attempt of it, connecting
	// included (DefaultAttemptTimeout when zero, at most CallTimeout).
	CallTimeout    time.Duration
	AttemptTimeout time.Duration

	// Now returns the current time; it decides whether a claim or a
	// counter has expired. Nil means time.Now. Tests inject a clock here.
	Now func() time.Time
}

// validTableName reports whether s is a Tablestore table name: 1-255 ASCII
// letters, digits and underscores, not starting with a digit ("What are the
// naming conventions of tables, columns, and instances?",
// https://www.alibabacloud.com/help/en/tablestore/support/what-are-the-naming-conventions-of-tables-columns-and-instances).
// A loop, not a regexp: package regexp would add about 110 KB to every FC
// function binary (internal/archtest checks that none links it).
func validTableName(s string) bool {
	if len(s) == 0 || len(s) > 255 || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Validate reports every missing or invalid field in one error.
func (c Config) Validate() error {
	var missing, bad []string
	for _, f := range []struct{ name, value string }{
		{"Endpoint", c.Endpoint},
		{"Instance", c.Instance},
		{"AccessKeyID", c.AccessKeyID},
		{"AccessKeySecret", c.AccessKeySecret},
		{"UsersTable", c.UsersTable},
		{"TodosTable", c.TodosTable},
		{"KeysTable", c.KeysTable},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad = append(bad, "Endpoint (want an http or https URL)")
		}
	}
	for _, f := range []struct{ name, value string }{
		{"UsersTable", c.UsersTable}, {"TodosTable", c.TodosTable}, {"KeysTable", c.KeysTable}, {"SessionsTable", c.SessionsTable},
	} {
		if strings.TrimSpace(f.value) != "" && !validTableName(f.value) {
			bad = append(bad, f.name+" (letters, digits and _, not starting with a digit)")
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, ", "))
	}
	if len(bad) > 0 {
		parts = append(parts, "invalid "+strings.Join(bad, ", "))
	}
	if len(parts) > 0 {
		return fmt.Errorf("tablestore: config: %s", strings.Join(parts, "; "))
	}
	return nil
}

// Store is the Tablestore engine. It is safe for concurrent use.
type Store struct {
	client   *ots.TableStoreClient
	once     *ots.TableStoreClient // the same without the SDK's resends (see AddCount)
	users    string
	todos    string
	keys     string
	sessions string
	budget   time.Duration // of one call (Config.CallTimeout)
	now      func() time.Time
}

var _ todo.Store = (*Store)(nil)

// Open checks cfg and builds a client. It makes no network call, so a cold
// start pays for no round trip; a missing table shows on first use.
func Open(cfg Config) (*Store, error) {
	client, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	conf := clientConfig(budgets(cfg))
	conf.RetryTimes = 0
	once := ots.NewClientWithConfig(strings.TrimRight(cfg.Endpoint, "/"), cfg.Instance, cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken, conf)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	budget, _ := budgets(cfg)
	return &Store{client: client, once: once, users: cfg.UsersTable, todos: cfg.TodosTable, keys: cfg.KeysTable,
		sessions: cfg.SessionsTable, budget: budget, now: now}, nil
}

// Close releases the store. The SDK client holds only pooled HTTP
// connections, which need no explicit release, so Close always returns nil.
func (s *Store) Close() error { return nil }

func newClient(cfg Config) (*ots.TableStoreClient, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	conf := clientConfig(budgets(cfg))
	return ots.NewClientWithConfig(strings.TrimRight(cfg.Endpoint, "/"), cfg.Instance, cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken, conf), nil
}

// CreateTables creates the tables where they are missing (the keys table
// with a 7-day time to live, the sessions table only when cfg names one,
// with a 30-day one), so it may
// run again and concurrently: a table that exists, or that another caller
// creates meanwhile, is left as it is. The users table gets its stream
// (24 hours), which the mailer's trigger reads. A new table may take a few
// seconds before the service serves it; the SDK retries OTSTableNotReady.
func CreateTables(ctx context.Context, cfg Config) error {
	client, err := newClient(cfg)
	if err != nil {
		return err
	}
	budget, _ := budgets(cfg)
	list, err := call(ctx, budget, client.ListTable)
	if err != nil {
		return fmt.Errorf("tablestore: list tables: %w", err)
	}
	exists := map[string]bool{}
	for _, n := range list.TableNames {
		exists[n] = true
	}
	type spec struct {
		name   string
		keys   []string
		stream bool
		ttl    int // seconds; -1 for none
	}
	specs := []spec{
		{cfg.UsersTable, []string{"email"}, true, -1},
		{cfg.TodosTable, []string{"userId", "id"}, false, -1},
		{cfg.KeysTable, []string{"key"}, false, int(keysTTL / time.Second)},
	}
	if cfg.SessionsTable != "" {
		specs = append(specs, spec{cfg.SessionsTable, []string{"userId", "id"}, false, int(sessionTTL / time.Second)})
	}
	for _, t := range specs {
		if exists[t.name] {
			continue
		}
		meta := &ots.TableMeta{TableName: t.name}
		for _, k := range t.keys {
			meta.AddPrimaryKeyColumn(k, ots.PrimaryKeyType_STRING)
		}
		req := &ots.CreateTableRequest{
			TableMeta:          meta,
			TableOption:        &ots.TableOption{TimeToAlive: t.ttl, MaxVersion: 1},
			ReservedThroughput: &ots.ReservedThroughput{Readcap: 0, Writecap: 0},
		}
		if t.stream {
			req.StreamSpec = &ots.StreamSpecification{EnableStream: true, ExpirationTime: 24}
		}
		_, err := call(ctx, budget, func() (*ots.CreateTableResponse, error) { return client.CreateTable(req) })
		if err != nil && !hasCode(err, "OTSObjectAlreadyExist") {
			return fmt.Errorf("tablestore: create table %s: %w", t.name, err)
		}
	}
	return nil
}

func hasCode(err error, code string) bool {
	var e *ots.OtsError
	return errors.As(err, &e) && e.Code == code
}

// conditionFailed reports whether a write was refused by its condition.
func conditionFailed(err error) bool { return hasCode(err, "OTSConditionCheckFail") }

// maxKeyBytes is the service's limit on a STRING primary-key column.
const maxKeyBytes = 1024

// validKey reports whether s may be passed as a primary-key value.
func validKey(s string) bool { return s != "" && len(s) <= maxKeyBytes }

func primaryKey(cols ...string) *ots.PrimaryKey {
	pk := new(ots.PrimaryKey)
	for i := 0; i+1 < len(cols); i += 2 {
		pk.AddPrimaryKeyColumn(cols[i], cols[i+1])
	}
	return pk
}

// versionIs is the column condition "version == v", failing when the
// column is missing.
func versionIs(v int64) *ots.SingleColumnCondition {
	c := ots.NewSingleColumnCondition("version", ots.CT_EQUAL, v)
	c.FilterIfMissing = true
	c.LatestVersionOnly = true
	return c
}

// putRow writes a whole row under cond (and an optional column condition).
func (s *Store) putRow(ctx context.Context, table string, pk *ots.PrimaryKey, cols row, cond ots.RowExistenceExpectation, colCond ots.ColumnFilter) error {
	change := &ots.PutRowChange{TableName: table, PrimaryKey: pk, Condition: &ots.RowCondition{RowExistenceExpectation: cond}}
	for _, c := range cols {
		change.AddColumn(c.name, c.value)
	}
	if colCond != nil {
		change.SetColumnCondition(colCond)
	}
	_, err := call(ctx, s.budget, func() (*ots.PutRowResponse, error) {
		return s.client.PutRow(&ots.PutRowRequest{PutRowChange: change})
	})
	return err
}

// getRow reads the newest version of a row; found is false when the row
// does not exist.
func (s *Store) getRow(ctx context.Context, table string, pk *ots.PrimaryKey) (cols columns, found bool, err error) {
	out, err := call(ctx, s.budget, func() (*ots.GetRowResponse, error) {
		return s.client.GetRow(&ots.GetRowRequest{SingleRowQueryCriteria: &ots.SingleRowQueryCriteria{
			TableName: table, PrimaryKey: pk, MaxVersion: 1,
		}})
	})
	if err != nil {
		return nil, false, err
	}
	if len(out.PrimaryKey.PrimaryKeys) == 0 {
		return nil, false, nil
	}
	return toColumns(out.Columns), true, nil
}

// deleteRow removes a row under cond.
func (s *Store) deleteRow(ctx context.Context, table string, pk *ots.PrimaryKey, cond ots.RowExistenceExpectation) error {
	_, err := call(ctx, s.budget, func() (*ots.DeleteRowResponse, error) {
		return s.client.DeleteRow(&ots.DeleteRowRequest{DeleteRowChange: &ots.DeleteRowChange{
			TableName: table, PrimaryKey: pk, Condition: &ots.RowCondition{RowExistenceExpectation: cond},
		}})
	})
	return err
}

// deleteRowIf removes a row that exists and meets the column condition.
func (s *Store) deleteRowIf(ctx context.Context, table string, pk *ots.PrimaryKey, colCond ots.ColumnFilter) error {
	change := &ots.DeleteRowChange{TableName: table, PrimaryKey: pk,
		Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_EXIST}}
	change.SetColumnCondition(colCond)
	_, err := call(ctx, s.budget, func() (*ots.DeleteRowResponse, error) {
		return s.client.DeleteRow(&ots.DeleteRowRequest{DeleteRowChange: change})
	})
	return err
}

// getRange reads one page of a range.
func (s *Store) getRange(ctx context.Context, q *ots.RangeRowQueryCriteria) (*ots.GetRangeResponse, error) {
	return call(ctx, s.budget, func() (*ots.GetRangeResponse, error) {
		return s.client.GetRange(&ots.GetRangeRequest{RangeRowQueryCriteria: q})
	})
}

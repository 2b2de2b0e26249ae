package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// sessionItem is a sessions-table item: partition key userId, sort key id.
// ExpiresAt is kept twice: exactly, as expiresAt, which reads use, and in
// epoch seconds rounded up, as expires, the table's TTL attribute.
type sessionItem struct {
	UserID     string `dynamodbav:"userId"`
	ID         string `dynamodbav:"id"`
	TokenHash  string `dynamodbav:"tokenHash,omitempty"`
	PrevHash   string `dynamodbav:"prevHash,omitempty"`
	RotatedAt  string `dynamodbav:"rotatedAt,omitempty"`
	NextSealed string `dynamodbav:"nextSealed,omitempty"`
	CreatedAt  string `dynamodbav:"createdAt,omitempty"`
	LastUsedAt string `dynamodbav:"lastUsedAt,omitempty"`
	ExpiresAt  string `dynamodbav:"expiresAt,omitempty"`
	Expires    int64  `dynamodbav:"expires"` // epoch seconds, the TTL attribute
	ClientIP   string `dynamodbav:"clientIp,omitempty"`
	Email      string `dynamodbav:"email,omitempty"`
	// Spent are the hashes of the last spent tokens (a list), CredGen the
	// account's credential generation; both absent on items written before
	// them.
	Spent   []string `dynamodbav:"spent,omitempty"`
	CredGen int64    `dynamodbav:"credGen,omitempty"`
	Version int64    `dynamodbav:"version"`
}

var sessionEntity = entity{
	name: "session", keyRef: "#sk", keyAttr: "id", notFound: todo.ErrSessionNotFound,
	exists:  todo.ErrSessionExists,
	changed: todo.ErrSessionChanged,
}

// errNoSessionsTable answers every session call of a store whose Config
// names no SessionsTable.
var errNoSessionsTable = errors.New("dynamodb: sessions: no SessionsTable configured")

func sessionKey(userID, id string) map[string]types.AttributeValue { return todoKey(userID, id) }

func newSessionItem(s *todo.Session, version int64) sessionItem {
	return sessionItem{
		UserID:     s.UserID,
		ID:         s.ID,
		TokenHash:  s.TokenHash,
		PrevHash:   s.PrevHash,
		RotatedAt:  formatTime(s.RotatedAt),
		NextSealed: s.NextSealed,
		CreatedAt:  formatTime(s.CreatedAt),
		LastUsedAt: formatTime(s.LastUsedAt),
		ExpiresAt:  formatTime(s.ExpiresAt),
		Expires:    epochCeil(s.ExpiresAt),
		ClientIP:   s.ClientIP,
		Email:      s.Email,
		Spent:      s.SpentHashes,
		CredGen:    s.CredGen,
		Version:    version,
	}
}

func decodeSession(m map[string]types.AttributeValue) (*todo.Session, error) {
	var it sessionItem
	if err := decodeFields(m, it.fields()); err != nil {
		return nil, err
	}
	var bad error // the first time attribute that does not parse
	at := func(attr, v string) time.Time {
		t, err := parseTime(attr, v)
		if bad == nil {
			bad = err
		}
		return t
	}
	rs := &todo.Session{
		ID:          it.ID,
		UserID:      it.UserID,
		TokenHash:   it.TokenHash,
		PrevHash:    it.PrevHash,
		RotatedAt:   at("rotatedAt", it.RotatedAt),
		NextSealed:  it.NextSealed,
		CreatedAt:   at("createdAt", it.CreatedAt),
		LastUsedAt:  at("lastUsedAt", it.LastUsedAt),
		ExpiresAt:   at("expiresAt", it.ExpiresAt),
		ClientIP:    it.ClientIP,
		Email:       it.Email,
		SpentHashes: it.Spent,
		CredGen:     it.CredGen,
		Version:     it.Version,
	}
	if bad != nil {
		return nil, bad
	}
	return rs, nil
}

// unexpired passes on a read session unless it has passed its ExpiresAt,
// which makes it NotFound.
func (s *Store) unexpired(rs *todo.Session, err error) (*todo.Session, error) {
	if err == nil && rs.Expired(s.now()) {
		return nil, todo.ErrSessionNotFound
	}
	return rs, err
}

// CreateSession implements todo.SessionStore in three steps: a PutItem on
// condition that the user has no session with that ID, then a strongly
// consistent GetItem of the account of rs.Email; if the account is gone or
// has another ID or CredGen, it deletes the session again and returns
// Conflict. It sets rs.Version to 1 only when the session stays.
//
// A TransactWriteItems (a ConditionCheck on the users item and the Put of
// the session, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)
// would do it in one call, but dynalite, on which the conformance suite
// runs this engine, has no transactions (UnknownOperationException:
// https://github.com/architect/dynalite/issues/98), and code the suite
// cannot run is code nobody tested. So the put, the strongly consistent
// GetItem and the delete of todo.CreateSessionChecked, whose doc says why
// the three steps are as safe.
func (s *Store) CreateSession(ctx context.Context, rs *todo.Session) error {
	if s.sessions == "" {
		return errNoSessionsTable
	}
	return todo.CreateSessionChecked(rs,
		func() error { return s.create(ctx, sessionEntity, s.sessions, newSessionItem(rs, 1)) },
		func() (*todo.User, error) { return get(ctx, s, userEntity, s.users, userKey(rs.Email), decodeUser) },
		func() error { return s.DeleteSession(ctx, rs.UserID, rs.ID) })
}

// Session implements todo.SessionStore with a strongly consistent GetItem
// on the owner's key. A session past its ExpiresAt is NotFound, whether or
// not the TTL has deleted it yet (it does so lazily).
func (s *Store) Session(ctx context.Context, userID, id string) (*todo.Session, error) {
	if s.sessions == "" {
		return nil, errNoSessionsTable
	}
	return s.unexpired(get(ctx, s, sessionEntity, s.sessions, sessionKey(userID, id), decodeSession))
}

// UpdateSession implements todo.SessionStore: one PutItem on the owner's key
// on condition that the item exists with version rs.Version; a failed
// condition is NotFound when the item is gone and Conflict otherwise. It does
// not look at expiry: an expired session stays NotFound to readers.
func (s *Store) UpdateSession(ctx context.Context, rs *todo.Session) error {
	if s.sessions == "" {
		return errNoSessionsTable
	}
	if err := s.update(ctx, sessionEntity, s.sessions, sessionKey(rs.UserID, rs.ID), newSessionItem(rs, rs.Version+1), rs.Version); err != nil {
		return err
	}
	rs.Version++
	return nil
}

// DeleteSession implements todo.SessionStore with an unconditional
// DeleteItem on the owner's key.
func (s *Store) DeleteSession(ctx context.Context, userID, id string) error {
	if s.sessions == "" {
		return errNoSessionsTable
	}
	_, err := s.client.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String(s.sessions), Key: sessionKey(userID, id)})
	if err != nil {
		return fmt.Errorf("dynamodb: delete session: %w", err)
	}
	return nil
}

// DeleteSessions implements todo.SessionStore: a Query of the owner's
// partition (keys and expiry only), page by page, and BatchWriteItem
// deletes of what it finds but except. Expired sessions go too but are not
// counted.
func (s *Store) DeleteSessions(ctx context.Context, userID, except string) (int, error) {
	if s.sessions == "" {
		return 0, errNoSessionsTable
	}
	now := s.now()
	return s.purge(ctx, "delete sessions", s.sessions, userID, "expiresAt", func(item map[string]types.AttributeValue) (drop, count bool) {
		var it sessionItem
		if decodeFields(item, it.fields()) != nil {
			return true, false // not a session: it goes, uncounted
		}
		if except != "" && it.ID == except {
			return false, false
		}
		exp, err := parseTime("expiresAt", it.ExpiresAt)
		return true, err == nil && !todo.Expired(exp, now)
	})
}

// batchSize is BatchWriteItem's limit of requests per call.
const batchSize = 25

// batchAttempts bounds the calls that resend a batch's UnprocessedItems
// (DynamoDB returns them when a partition is throttled).
const batchAttempts = 8

// purge deletes the items of userID's partition in table (partition key
// userId, sort key id) that pick drops, and returns how many of them pick
// counts. It reads the partition with a strongly consistent Query of the
// key attributes and attr, if not "", page by page (LastEvaluatedKey), and
// deletes each page's items with BatchWriteItem. Only that partition is
// read: never a scan.
func (s *Store) purge(ctx context.Context, op, table, userID, attr string, pick func(map[string]types.AttributeValue) (drop, count bool)) (int, error) {
	in := &ddb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ProjectionExpression:      aws.String("#pk, #sk"),
		ExpressionAttributeNames:  map[string]string{"#pk": "userId", "#sk": "id"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(userID)},
		ConsistentRead:            aws.Bool(true),
	}
	if attr != "" {
		in.ProjectionExpression = aws.String("#pk, #sk, #x")
		in.ExpressionAttributeNames["#x"] = attr
	}
	n := 0
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return n, fmt.Errorf("dynamodb: %s: query: %w", op, err)
		}
		var reqs []types.WriteRequest
		for _, item := range out.Items {
			drop, count := pick(item)
			if !drop {
				continue
			}
			if count {
				n++
			}
			key := map[string]types.AttributeValue{"userId": item["userId"], "id": item["id"]}
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key}})
		}
		for len(reqs) > 0 {
			chunk := reqs[:min(batchSize, len(reqs))]
			reqs = reqs[len(chunk):]
			if err := s.batchWrite(ctx, table, chunk); err != nil {
				return n, fmt.Errorf("dynamodb: %s: %w", op, err)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// batchWrite sends reqs (at most batchSize) to table with BatchWriteItem and
// resends what comes back unprocessed, after a growing pause, at most
// batchAttempts times in all.
func (s *Store) batchWrite(ctx context.Context, table string, reqs []types.WriteRequest) error {
	pause := 25 * time.Millisecond
	for attempt := 1; ; attempt++ {
		out, err := s.client.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{table: reqs},
		})
		if err != nil {
			return fmt.Errorf("batch write: %w", err)
		}
		if reqs = out.UnprocessedItems[table]; len(reqs) == 0 {
			return nil
		}
		if attempt == batchAttempts {
			// Items come back unprocessed when their partition is
			// throttled ("If any requested operations fail because the
			// table's provisioned throughput is exceeded or an internal
			// processing failure occurs, the failed operations are returned
			// in the UnprocessedItems response parameter", BatchWriteItem:
			// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html),
			// so the caller may retry in a moment: Unavailable.
			return unavailable(fmt.Errorf("batch write: %d items still unprocessed after %d attempts", len(reqs), batchAttempts))
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("batch write: %w", ctx.Err())
		case <-t.C:
		}
		pause *= 2
	}
}

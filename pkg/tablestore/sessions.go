package tablestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

// sessionTTL is the sessions table's time to live (TimeToAlive), the
// absolute session lifetime: the service drops a row that long after its
// last write. Every write of a session precedes its ExpiresAt, and reads
// check ExpiresAt themselves, so the TTL only reclaims storage, never ends
// a session early, as long as no session lives or idles longer than this.
const sessionTTL = 30 * 24 * time.Hour

var sessionEntity = entity{
	name: "session", createOp: "create session", notFound: todo.ErrSessionNotFound,
	exists:  todo.ErrSessionExists,
	changed: todo.ErrSessionChanged,
}

// errNoSessionsTable answers every session call of a store whose Config
// names no SessionsTable.
var errNoSessionsTable = errors.New("tablestore: sessions: no SessionsTable configured")

func sessionKey(userID, id string) *ots.PrimaryKey { return primaryKey("userId", userID, "id", id) }

func sessionRow(s *todo.Session, version int64) row {
	var r row
	r.str("tokenHash", s.TokenHash)
	r.str("prevHash", s.PrevHash)
	r.time("rotatedAt", s.RotatedAt)
	r.str("nextSealed", s.NextSealed)
	r.time("createdAt", s.CreatedAt)
	r.time("lastUsedAt", s.LastUsedAt)
	r.time("expiresAt", s.ExpiresAt)
	r.str("clientIp", s.ClientIP)
	r.str("email", s.Email)
	r.str("spent", strings.Join(s.SpentHashes, ","))
	r.int("credGen", s.CredGen)
	r.int("version", version)
	return r
}

func sessionFrom(userID, id string, c columns) (*todo.Session, error) {
	d := &decoder{c: c}
	s := &todo.Session{
		ID:          id,
		UserID:      userID,
		TokenHash:   d.str("tokenHash", false),
		PrevHash:    d.str("prevHash", false),
		RotatedAt:   d.time("rotatedAt", false),
		NextSealed:  d.str("nextSealed", false),
		CreatedAt:   d.time("createdAt", false),
		LastUsedAt:  d.time("lastUsedAt", false),
		ExpiresAt:   d.time("expiresAt", true),
		ClientIP:    d.str("clientIp", false),
		Email:       d.str("email", false),
		SpentHashes: splitSpent(d.str("spent", false)),
		CredGen:     d.int("credGen", false), // absent on rows written before it: 0
		Version:     d.int("version", true),
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// splitSpent reads the "spent" column: the hashes (hex) joined by commas.
func splitSpent(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// sessionCall checks what every session call needs: a sessions table and
// keys the SDK may be given. bad is the error for unusable keys.
func (s *Store) sessionCall(userID, id string, bad error) error {
	switch {
	case s.sessions == "":
		return errNoSessionsTable
	case !validKey(userID) || !validKey(id):
		return bad
	}
	return nil
}

// unexpired passes on a read session unless it has passed its ExpiresAt,
// which makes it NotFound.
func (s *Store) unexpired(rs *todo.Session, err error) (*todo.Session, error) {
	if err == nil && rs.Expired(s.now()) {
		return nil, todo.ErrSessionNotFound
	}
	return rs, err
}

// CreateSession implements todo.SessionStore in three steps: a PutRow that
// expects no row under the owner's key, then a GetRow of the account of
// rs.Email; if the account is gone or has another ID or CredGen, it
// deletes the session again and returns Conflict. It sets rs.Version to 1
// only when the session stays.
//
// Tablestore has no transaction across two tables: a local transaction
// holds the rows of one partition key value of one table
// (https://www.alibabacloud.com/help/en/tablestore/developer-reference/local-transaction-in-java),
// and the account and the session live in two tables: so the put, the
// strongly consistent GetRow and the delete of todo.CreateSessionChecked,
// whose doc says why the three steps are as safe.
func (s *Store) CreateSession(ctx context.Context, rs *todo.Session) error {
	bad := fmt.Errorf("tablestore: create session: user ID or session ID is empty or longer than %d bytes", maxKeyBytes)
	if err := s.sessionCall(rs.UserID, rs.ID, bad); err != nil {
		return err
	}
	return todo.CreateSessionChecked(rs,
		func() error {
			return s.create(ctx, sessionEntity, s.sessions, sessionKey(rs.UserID, rs.ID), sessionRow(rs, 1))
		},
		func() (*todo.User, error) { return s.User(ctx, rs.Email) },
		func() error { return s.DeleteSession(ctx, rs.UserID, rs.ID) })
}

// Session implements todo.SessionStore with one GetRow under the owner's
// key. A session past its ExpiresAt is NotFound, whether or not the table's
// TTL has dropped the row yet.
func (s *Store) Session(ctx context.Context, userID, id string) (*todo.Session, error) {
	if err := s.sessionCall(userID, id, todo.ErrSessionNotFound); err != nil {
		return nil, err
	}
	return s.unexpired(get(ctx, s, sessionEntity, s.sessions, sessionKey(userID, id), func(c columns) (*todo.Session, error) {
		return sessionFrom(userID, id, c)
	}))
}

// UpdateSession implements todo.SessionStore: one PutRow of the whole row
// that expects it under the owner's key with "version" equal to
// rs.Version; on a failed condition a read tells NotFound from Conflict. It
// does not look at expiry: an expired session stays NotFound to readers.
func (s *Store) UpdateSession(ctx context.Context, rs *todo.Session) error {
	if err := s.sessionCall(rs.UserID, rs.ID, todo.ErrSessionNotFound); err != nil {
		return err
	}
	if err := s.update(ctx, sessionEntity, s.sessions, sessionKey(rs.UserID, rs.ID), sessionRow(rs, rs.Version+1), rs.Version); err != nil {
		return err
	}
	rs.Version++
	return nil
}

// DeleteSession implements todo.SessionStore with an unconditional
// DeleteRow under the owner's key.
func (s *Store) DeleteSession(ctx context.Context, userID, id string) error {
	if err := s.sessionCall(userID, id, nil); err != nil {
		return err // nil for keys no session can have
	}
	if err := s.deleteRow(ctx, s.sessions, sessionKey(userID, id), ots.RowExistenceExpectation_IGNORE); err != nil {
		return fmt.Errorf("tablestore: delete session: %w", err)
	}
	return nil
}

// DeleteSessions implements todo.SessionStore with a GetRange over the
// owner's key and a DeleteRow for each session but except. Expired sessions
// go too but are not counted.
func (s *Store) DeleteSessions(ctx context.Context, userID, except string) (int, error) {
	if err := s.sessionCall(userID, "-", nil); err != nil {
		return 0, err
	}
	now := s.now()
	return s.purge(ctx, "delete sessions", s.sessions, userID, "expiresAt", func(id string, c columns) (drop, count bool) {
		if except != "" && id == except {
			return false, false
		}
		d := &decoder{c: c}
		exp := d.time("expiresAt", true)
		return true, d.err() == nil && !todo.Expired(exp, now)
	})
}

// purge deletes the rows of userID's range in table (primary key userId,
// id) that pick drops, and returns how many of them pick counts. It reads
// the range FORWARD from (userID, INF_MIN) to (userID, INF_MAX), asking
// only for the column col and "version" (which every row has: a read whose
// columns all miss gets no row from the service), following the next
// start key while the service returns one, and deletes each page's rows
// with BatchWriteRow, at most maxBatchRows a call (see deleteRows). Only
// that user's range is read: never the whole table.
func (s *Store) purge(ctx context.Context, op, table, userID, col string, pick func(id string, c columns) (drop, count bool)) (int, error) {
	start := new(ots.PrimaryKey)
	start.AddPrimaryKeyColumn("userId", userID)
	start.AddPrimaryKeyColumnWithMinValue("id")
	end := new(ots.PrimaryKey)
	end.AddPrimaryKeyColumn("userId", userID)
	end.AddPrimaryKeyColumnWithMaxValue("id")
	n, startID := 0, ""
	for {
		out, err := s.getRange(ctx, &ots.RangeRowQueryCriteria{
			TableName: table, StartPrimaryKey: start, EndPrimaryKey: end,
			Direction: ots.FORWARD, MaxVersion: 1, ColumnsToGet: []string{col, "version"},
		})
		if err != nil {
			return n, fmt.Errorf("tablestore: %s: read range: %w", op, err)
		}
		var drops []string
		counted := 0
		for _, r := range out.Rows {
			uid, id, ok := todoRowKey(r.PrimaryKey)
			if !ok || uid != userID {
				return n, fmt.Errorf("tablestore: %s: a row outside the user's range: %v", op, r.PrimaryKey)
			}
			drop, count := pick(id, toColumns(r.Columns))
			if !drop {
				continue
			}
			drops = append(drops, id)
			if count {
				counted++
			}
		}
		if err := s.deleteRows(ctx, table, userID, drops); err != nil {
			return n, fmt.Errorf("tablestore: %s: %w", op, err)
		}
		n += counted
		if out.NextStartPrimaryKey == nil {
			return n, nil
		}
		uid, nextID, ok := todoRowKey(out.NextStartPrimaryKey)
		if !ok || uid != userID || (len(out.Rows) == 0 && nextID == startID) {
			return n, fmt.Errorf("tablestore: %s: a bad next start key: %v", op, out.NextStartPrimaryKey)
		}
		start, startID = primaryKey("userId", userID, "id", nextID), nextID
	}
}

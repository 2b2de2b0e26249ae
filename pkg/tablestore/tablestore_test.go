package tablestore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/tablestore/trigger"
	"github.com/todofn/todofn/pkg/todo"
)

// Credentials the doubles in these tests accept; requests are signed and
// verified with them.
const (
	testKeyID     = "LTAI-test"
	testKeySecret = "test-secret"
	testToken     = "sts-token"
	testInstance  = "todofn"
)

// NewServer starts a double that verifies signatures with the test key.
func NewServer(tb testing.TB) *tablestoretest.Server {
	tb.Helper()
	srv := tablestoretest.NewServer()
	srv.SetAccessKey(testKeyID, testKeySecret)
	tb.Cleanup(srv.Close)
	return srv
}

// NewConfig returns a configuration for the double srv.
func NewConfig(srv *tablestoretest.Server) tablestore.Config {
	return tablestore.Config{
		Endpoint: srv.URL(), Instance: testInstance,
		AccessKeyID: testKeyID, AccessKeySecret: testKeySecret, SecurityToken: testToken,
		UsersTable: "users", TodosTable: "todos", KeysTable: "keys", SessionsTable: "sessions",
	}
}

// MustOpen creates the tables and opens a store on them.
func MustOpen(tb testing.TB, cfg tablestore.Config) *tablestore.Store {
	tb.Helper()
	if err := tablestore.CreateTables(context.Background(), cfg); err != nil {
		tb.Fatalf("CreateTables: %v", err)
	}
	s, err := tablestore.Open(cfg)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store {
		srv := NewServer(t)
		cfg := NewConfig(srv)
		cfg.Now = now
		return lossy{MustOpen(t, cfg), srv}
	})
}

// lossy is a store on a double that can drop the answer to a write it
// applied (tablestoretest.Server.LoseNext), for the suite's LostAnswers.
type lossy struct {
	*tablestore.Store
	srv *tablestoretest.Server
}

var _ storetest.Lossy = lossy{}

// LoseNextAnswer drops the answer to the next successful write, whatever
// its action, at once (the SDK sees an EOF and resends it).
func (l lossy) LoseNextAnswer(testing.TB) func() int {
	before := l.srv.Lost()
	for _, a := range []string{"PutRow", "UpdateRow", "DeleteRow", "BatchWriteRow"} {
		l.srv.LoseNext(a, 0)
	}
	return func() int {
		l.srv.CancelLosses()
		return l.srv.Lost() - before
	}
}

// TestLostAnswerAfterTimeout is the case: the double holds a
// write's answer for 2 s and drops it, the SDK gives up the attempt after
// 0.5 s and resends; the engine reports the write it made, not a conflict.
func TestLostAnswerAfterTimeout(t *testing.T) {
	srv := NewServer(t)
	cfg := NewConfig(srv)
	cfg.CallTimeout, cfg.AttemptTimeout = 3*time.Second, 500*time.Millisecond
	s, ctx := MustOpen(t, cfg), context.Background()
	u := storetest.NewUser("slow@example.com")
	srv.LoseNext("PutRow", 2*time.Second)
	before := srv.Requests()
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser = %v, want nil: the account is stored", err)
	}
	if n := srv.Requests() - before; n != 3 || srv.Lost() != 1 {
		t.Fatalf("%d requests, %d answers lost; want 3 (the lost PutRow, its resend, the read back) and 1", n, srv.Lost())
	}
	u.Name = "Slow"
	srv.LoseNext("PutRow", 2*time.Second)
	if err := s.UpdateUser(ctx, u); err != nil || u.Version != 2 {
		t.Fatalf("UpdateUser = %v, version %d; want nil, 2", err, u.Version)
	}
}

// TestConformancePartialPages runs the suite against a server that returns
// at most two rows per GetRange, with a next start key, so every listing
// spans several partial pages.
func TestConformancePartialPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store {
		srv := NewServer(t)
		srv.SetPageLimit(2)
		cfg := NewConfig(srv)
		cfg.Now = now
		return MustOpen(t, cfg)
	})
}

func TestConfigValidate(t *testing.T) {
	full := tablestore.Config{Endpoint: "https://i.cn-hangzhou.ots.aliyuncs.com", Instance: "i",
		AccessKeyID: "id", AccessKeySecret: "secret", UsersTable: "u", TodosTable: "t", KeysTable: "k"}
	tests := []struct {
		name    string
		edit    func(*tablestore.Config)
		wantErr string // "" for no error
	}{
		{name: "complete", edit: func(*tablestore.Config) {}},
		{name: "no token is fine", edit: func(c *tablestore.Config) { c.SecurityToken = "" }},
		{name: "no credentials", edit: func(c *tablestore.Config) { c.AccessKeyID, c.AccessKeySecret = "", " " },
			wantErr: "tablestore: config: missing AccessKeyID, AccessKeySecret"},
		{name: "empty", edit: func(c *tablestore.Config) { *c = tablestore.Config{} },
			wantErr: "tablestore: config: missing Endpoint, Instance, AccessKeyID, AccessKeySecret, UsersTable, TodosTable, KeysTable"},
		{name: "bad endpoint and table", edit: func(c *tablestore.Config) { c.Endpoint, c.TodosTable, c.Instance = "ots.example.com", "my-todos", "" },
			wantErr: "tablestore: config: missing Instance; invalid Endpoint (want an http or https URL), TodosTable (letters, digits and _, not starting with a digit)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := full
			tt.edit(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
			if _, err := tablestore.Open(cfg); err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Open() = %v, want %q", err, tt.wantErr)
			}
			if err := tablestore.CreateTables(context.Background(), cfg); err == nil || err.Error() != tt.wantErr {
				t.Fatalf("CreateTables() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// rawClient reaches the same instance as cfg, to look at rows as stored.
func rawClient(cfg tablestore.Config) *ots.TableStoreClient {
	return ots.NewClientWithConfig(cfg.Endpoint, cfg.Instance, cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken, nil)
}

func TestCreateTablesIdempotent(t *testing.T) {
	cfg := NewConfig(NewServer(t))
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = tablestore.CreateTables(ctx, cfg)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent CreateTables: %v", err)
		}
	}
	if err := tablestore.CreateTables(ctx, cfg); err != nil {
		t.Fatalf("CreateTables again: %v", err)
	}
	c := rawClient(cfg)
	tests := []struct {
		table  string
		keys   []string
		stream bool
		ttl    int32
	}{
		{cfg.UsersTable, []string{"email"}, true, -1},
		{cfg.TodosTable, []string{"userId", "id"}, false, -1},
		{cfg.KeysTable, []string{"key"}, false, 7 * 24 * 3600},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			d, err := c.DescribeTable(&ots.DescribeTableRequest{TableName: tt.table})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range d.TableMeta.SchemaEntry {
				if *k.Type != ots.PrimaryKeyType_STRING {
					t.Errorf("key %s has type %v, want STRING", *k.Name, *k.Type)
				}
				got = append(got, *k.Name)
			}
			if strings.Join(got, ",") != strings.Join(tt.keys, ",") {
				t.Errorf("key schema = %v, want %v", got, tt.keys)
			}
			if d.TableOption.MaxVersion != 1 || int32(d.TableOption.TimeToAlive) != tt.ttl {
				t.Errorf("options = %+v, want one version and TTL %d", d.TableOption, tt.ttl)
			}
			if d.StreamDetails.EnableStream != tt.stream || (tt.stream && d.StreamDetails.ExpirationTime != 24) {
				t.Errorf("stream = %+v, want enabled=%v (24 h)", d.StreamDetails, tt.stream)
			}
		})
	}
}

func TestCreateTablesUnreachable(t *testing.T) {
	cfg := NewConfig(NewServer(t))
	cfg.Endpoint = "http://127.0.0.1:1"
	err := tablestore.CreateTables(context.Background(), cfg)
	if err == nil || !strings.HasPrefix(err.Error(), "tablestore: list tables: ") {
		t.Fatalf("CreateTables against a closed port = %v, want a wrapped list-tables error", err)
	}
}

// TestAuthentication shows the real SDK's signing reaches the double: a
// wrong secret is refused with the service's error, and the STS token is
// part of what is signed.
func TestAuthentication(t *testing.T) {
	srv := NewServer(t)
	tests := []struct {
		name     string
		edit     func(*tablestore.Config)
		wantCode string // OtsError code, "" for success
	}{
		{name: "right key with token", edit: func(*tablestore.Config) {}},
		{name: "right key without token", edit: func(c *tablestore.Config) { c.SecurityToken = "" }},
		{name: "wrong secret", edit: func(c *tablestore.Config) { c.AccessKeySecret = "nope" }, wantCode: "OTSAuthFailed"},
		{name: "unknown key", edit: func(c *tablestore.Config) { c.AccessKeyID = "LTAI-other" }, wantCode: "OTSAuthFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := NewConfig(srv)
			tt.edit(&cfg)
			err := tablestore.CreateTables(context.Background(), cfg)
			var oe *ots.OtsError
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("CreateTables: %v", err)
			case tt.wantCode != "" && (!errors.As(err, &oe) || oe.Code != tt.wantCode || oe.HttpStatusCode != 403):
				t.Fatalf("CreateTables = %v, want a 403 %s", err, tt.wantCode)
			}
		})
	}
}

// TestServiceErrors injects failures the service answers with and checks
// what the engine makes of them: a failed condition is a domain error once
// a read shows the row does not hold the call's own write, a throttling
// error is retried by the SDK, a server-side failure is Unavailable,
// anything else is wrapped.
func TestServiceErrors(t *testing.T) {
	srv := NewServer(t)
	s, ctx := MustOpen(t, NewConfig(srv)), context.Background()
	tests := []struct {
		name    string
		action  string
		fail    tablestoretest.Error
		call    func() error
		code    string // wanted todo.ErrorCode
		prefix  string // wanted error prefix, for wrapped errors
		retried bool   // whether the SDK tries again (the call then succeeds)
		want    int    // the requests wanted, when not 1 or 2 by retried
	}{
		{name: "condition on create", action: "PutRow", fail: tablestoretest.Error{Status: 403, Code: "OTSConditionCheckFail", Message: "Condition check failed."},
			call: func() error { return s.CreateTodo(ctx, storetest.NewTodo("u1", "a", 0)) }, code: todo.Conflict, want: 2}, // PutRow, GetRow
		{name: "condition on delete of a row still there", action: "DeleteRow", fail: tablestoretest.Error{Status: 403, Code: "OTSConditionCheckFail", Message: "Condition check failed."},
			call: func() error {
				td := storetest.NewTodo("u1", "c", 2*time.Second)
				if err := s.CreateTodo(ctx, td); err != nil {
					return err
				}
				return s.DeleteTodo(ctx, "u1", td.ID)
			}, want: 5}, // PutRow; GetRow, DeleteRow (fails), GetRow, DeleteRow
		{name: "internal error on write", action: "PutRow", fail: tablestoretest.Error{Status: 500, Code: "OTSInternalServerError", Message: "Internal server error."},
			call: func() error { return s.CreateTodo(ctx, storetest.NewTodo("u1", "b", time.Second)) }, code: todo.Unavailable,
			prefix: "tablestore: put todo: todo: unavailable: The service is busy; try again in a moment. (OTSInternalServerError"},
		{name: "missing table", action: "GetRow", fail: tablestoretest.Error{Status: 404, Code: "OTSObjectNotExist", Message: "Requested table does not exist."},
			call: func() error { _, err := s.User(ctx, "a@example.com"); return err }, code: todo.Internal, prefix: "tablestore: get user: OTSObjectNotExist"},
		{name: "server busy is retried", action: "GetRow", fail: tablestoretest.Error{Status: 503, Code: "OTSServerBusy", Message: "Server is busy."},
			call: func() error { _, err := s.User(ctx, "a@example.com"); return err }, code: todo.NotFound, retried: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.FailNext(tt.action, tt.fail)
			before := srv.Requests()
			err := tt.call()
			if got := todo.ErrorCode(err); got != tt.code {
				t.Fatalf("error = %v (code %q), want code %q", err, got, tt.code)
			}
			if tt.prefix != "" && !strings.HasPrefix(err.Error(), tt.prefix) {
				t.Fatalf("error = %q, want prefix %q", err, tt.prefix)
			}
			if n := srv.Requests() - before; tt.want != 0 && n != tt.want {
				t.Fatalf("%d requests, want %d", n, tt.want)
			} else if tt.want == 0 && tt.retried != (n > 1) {
				t.Fatalf("%d requests; want retried=%v", n, tt.retried)
			}
		})
	}
}

// TestStoredShape checks the documented row layout with a raw SDK read.
func TestStoredShape(t *testing.T) {
	cfg := NewConfig(NewServer(t))
	s, ctx := MustOpen(t, cfg), context.Background()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 250_500_000, time.UTC)
	if _, _, err := s.Claim(ctx, "idem:1", "todo-1", exp); err != nil {
		t.Fatal(err)
	}
	u := storetest.NewUser("shape@example.com")
	u.CodeNonce, u.CodeSentAt = "", time.Time{}
	u.CreatedAt = time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC)
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := rawClient(cfg)
	tests := []struct {
		name  string
		table string
		key   []string
		want  map[string]any // nil value: column absent
	}{
		{name: "claim", table: cfg.KeysTable, key: []string{"key", "claim:idem:1"},
			want: map[string]any{"value": "todo-1", "expires": int64(1893553445251), "version": int64(1)}},
		{name: "user", table: cfg.UsersTable, key: []string{"email", "shape@example.com"},
			want: map[string]any{"id": u.ID, "status": "pending", "createdAt": "2026-11-27T10:00:00.123456789Z",
				"codeExpires": "2026-11-27T10:15:00Z", "version": int64(1),
				"codeNonce": nil, "codeSentAt": nil, "verifiedAt": nil, "email": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk := new(ots.PrimaryKey)
			pk.AddPrimaryKeyColumn(tt.key[0], tt.key[1])
			out, err := c.GetRow(&ots.GetRowRequest{SingleRowQueryCriteria: &ots.SingleRowQueryCriteria{TableName: tt.table, PrimaryKey: pk, MaxVersion: 1}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			for _, col := range out.Columns {
				got[col.ColumnName] = col.Value
			}
			for name, want := range tt.want {
				v, ok := got[name]
				if want == nil {
					if ok {
						t.Errorf("column %s = %v, want it absent", name, v)
					}
					continue
				}
				if v != want {
					t.Errorf("column %s = %#v, want %#v", name, v, want)
				}
			}
		})
	}
}

// TestTriggerFromStream plays the double's users stream through the trigger
// encoding and trigger.Decode: every write comes back as the full new user.
func TestTriggerFromStream(t *testing.T) {
	srv := NewServer(t)
	cfg := NewConfig(srv)
	s, ctx := MustOpen(t, cfg), context.Background()
	u := storetest.NewUser("stream@example.com")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	created := *u
	u.Status, u.VerifiedAt, u.CodeNonce = todo.StatusVerified, u.CreatedAt.Add(time.Minute), ""
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTodo(ctx, storetest.NewTodo(u.ID, "not in the users stream", 0)); err != nil {
		t.Fatal(err)
	}
	recs := srv.Changes(testInstance, cfg.UsersTable, 0)
	if len(recs) != 2 {
		t.Fatalf("%d stream records, want 2", len(recs))
	}
	payload, err := tablestoretest.TriggerPayload(recs)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := trigger.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 {
		t.Fatalf("%d changes, want 2", len(changes))
	}
	for i, want := range []*todo.User{&created, u} {
		c := changes[i]
		if c.Old != nil || c.New == nil {
			t.Fatalf("change %d = %+v, want only New", i, c)
		}
		if *c.New != *want {
			t.Fatalf("change %d:\n got %+v\nwant %+v", i, *c.New, *want)
		}
	}
}

// TestBadInputIsRefused checks that values the SDK would panic on, or the
// service would refuse, never reach either.
func TestBadInputIsRefused(t *testing.T) {
	s, ctx := MustOpen(t, NewConfig(NewServer(t))), context.Background()
	long := strings.Repeat("x", 1025)
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{name: "create user without email", call: func() error { return s.CreateUser(ctx, &todo.User{}) }, code: todo.Internal},
		{name: "read user without email", call: func() error { _, err := s.User(ctx, ""); return err }, code: todo.NotFound},
		{name: "update user with long email", call: func() error { return s.UpdateUser(ctx, &todo.User{Email: long}) }, code: todo.NotFound},
		{name: "create todo without owner", call: func() error { return s.CreateTodo(ctx, &todo.Todo{ID: "x"}) }, code: todo.Internal},
		{name: "read todo without id", call: func() error { _, err := s.Todo(ctx, "u", ""); return err }, code: todo.NotFound},
		{name: "delete todo without owner", call: func() error { return s.DeleteTodo(ctx, "", "x") }, code: todo.NotFound},
		{name: "list without owner", call: func() error {
			p, err := s.Todos(ctx, "", todo.TodoQuery{Limit: 5})
			if err == nil && len(p.Items) != 0 {
				t.Errorf("list without owner = %+v", p)
			}
			return err
		}, code: ""},
		{name: "list with a long cursor", call: func() error { _, err := s.Todos(ctx, "u", todo.TodoQuery{After: long}); return err }, code: ""},
		{name: "claim empty key", call: func() error { _, _, err := s.Claim(ctx, "", "v", time.Now()); return err }, code: todo.Internal},
		{name: "release empty key", call: func() error { return s.Release(ctx, "") }, code: ""},
		{name: "throttle long key", call: func() error { _, err := s.Throttle(ctx, long); return err }, code: todo.NotFound},
		{name: "put throttle empty key", call: func() error { return s.PutThrottle(ctx, &todo.Throttle{}) }, code: todo.Internal},
		{name: "cancelled context", call: func() error {
			c, cancel := context.WithCancel(ctx)
			cancel()
			_, err := s.User(c, "a@example.com")
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error = %v, want context.Canceled", err)
			}
			return err
		}, code: todo.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := todo.ErrorCode(tt.call()); got != tt.code {
				t.Fatalf("error code %q, want %q", got, tt.code)
			}
		})
	}
}

// TestTodosReadsAcrossPartialPages shows that a listing keeps reading while
// the service returns partial pages, and stops once it holds a full page.
func TestTodosReadsAcrossPartialPages(t *testing.T) {
	srv := NewServer(t)
	s, ctx := MustOpen(t, NewConfig(srv)), context.Background()
	var ids []string
	for i := range 7 {
		td := storetest.NewTodo("u1", "t", time.Duration(i)*time.Second)
		if err := s.CreateTodo(ctx, td); err != nil {
			t.Fatal(err)
		}
		ids = append([]string{td.ID}, ids...)
	}
	tests := []struct {
		name      string
		pageLimit int
		limit     int
		after     string
		wantItems int
		wantNext  string
		wantCalls int
	}{
		{name: "whole page at once", limit: 5, wantItems: 5, wantNext: ids[4], wantCalls: 1},
		{name: "pages of two", pageLimit: 2, limit: 5, wantItems: 5, wantNext: ids[4], wantCalls: 3},
		{name: "pages of two after a cursor", pageLimit: 2, limit: 5, after: ids[4], wantItems: 2, wantCalls: 2},
		{name: "pages of one to the end", pageLimit: 1, limit: 7, wantItems: 7, wantCalls: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetPageLimit(tt.pageLimit)
			before := srv.Requests()
			page, err := s.Todos(ctx, "u1", todo.TodoQuery{Limit: tt.limit, After: tt.after})
			if err != nil {
				t.Fatal(err)
			}
			calls := srv.Requests() - before
			if len(page.Items) != tt.wantItems || page.Next != tt.wantNext || calls != tt.wantCalls {
				t.Fatalf("%d items, next %q, %d GetRange calls; want %d, %q, %d", len(page.Items), page.Next, calls, tt.wantItems, tt.wantNext, tt.wantCalls)
			}
		})
	}
}

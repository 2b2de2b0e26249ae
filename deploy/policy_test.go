package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
)

// access is the table access each store method makes, read from
// pkg/dynamodb and pkg/tablestore: the DynamoDB actions and the Tablestore
// ones. A conditional write whose condition fails reads the record back
// (GetItem / GetRow) to tell its own earlier attempt, whose answer was lost,
// from another writer's (pkg/dynamodb/writes.go, pkg/tablestore/writes.go).
var access = map[string]struct {
	table       string // the template.yml logical ID of the table
	dynamo, ots []string
}{
	"CreateUser":     {"UsersTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"User":           {"UsersTable", []string{"GetItem"}, []string{"GetRow"}},
	"UpdateUser":     {"UsersTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"CreateTodo":     {"TodosTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"Todo":           {"TodosTable", []string{"GetItem"}, []string{"GetRow"}},
	"UpdateTodo":     {"TodosTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"DeleteTodo":     {"TodosTable", []string{"DeleteItem", "GetItem"}, []string{"DeleteRow", "GetRow"}},
	"DeleteTodoIf":   {"TodosTable", []string{"DeleteItem", "GetItem"}, []string{"DeleteRow", "GetRow"}},
	"Todos":          {"TodosTable", []string{"Query"}, []string{"GetRange"}},
	"ClearTodos":     {"TodosTable", []string{"DeleteItem", "GetItem"}, []string{"BatchWriteRow"}},
	"MarkTodos":      {"TodosTable", []string{"PutItem", "GetItem"}, []string{"BatchWriteRow", "GetRow"}},
	"Claim":          {"KeysTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"Release":        {"KeysTable", []string{"DeleteItem"}, []string{"DeleteRow"}},
	"Throttle":       {"KeysTable", []string{"GetItem"}, []string{"GetRow"}},
	"PutThrottle":    {"KeysTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"DeleteThrottle": {"KeysTable", []string{"DeleteItem"}, []string{"DeleteRow"}},
	"AddCount":       {"KeysTable", []string{"UpdateItem", "GetItem"}, []string{"UpdateRow", "GetRow"}}, // GetItem: Count's read; a failed condition returns the item
	"Settle":         {"KeysTable", []string{"PutItem", "GetItem"}, []string{"GetRow", "PutRow"}},
	"DeleteUser":     {"UsersTable", []string{"DeleteItem"}, []string{"DeleteRow"}},
	"DeleteTodos":    {"TodosTable", []string{"Query", "BatchWriteItem"}, []string{"GetRange", "BatchWriteRow"}},
	"CreateSession":  {"SessionsTable", []string{"PutItem", "DeleteItem", "GetItem"}, []string{"PutRow", "DeleteRow", "GetRow"}}, // the delete: a stale generation (alsoAccess)
	"Session":        {"SessionsTable", []string{"GetItem"}, []string{"GetRow"}},
	"UpdateSession":  {"SessionsTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"DeleteSession":  {"SessionsTable", []string{"DeleteItem"}, []string{"DeleteRow"}},
	"DeleteSessions": {"SessionsTable", []string{"Query", "BatchWriteItem"}, []string{"GetRange", "BatchWriteRow"}},
	// AtomicWrite (todo.AtomicWriter) is one TransactWriteItems on DynamoDB,
	// whose actions are governed by the permissions of the calls they stand
	// for, and a ConditionCheck by dynamodb:ConditionCheckItem
	// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html);
	// a failed condition returns the item in the cancellation reasons, so no
	// read follows. Noted per write (pkg/dynamodb/atomic.go's transactItem);
	// Tablestore has no AtomicWrite.
	"AtomicWrite:create": {"TodosTable", []string{"PutItem"}, nil},
	"AtomicWrite:update": {"TodosTable", []string{"PutItem"}, nil},
	"AtomicWrite:delete": {"TodosTable", []string{"DeleteItem"}, nil},
	"AtomicWrite:count":  {"KeysTable", []string{"UpdateItem"}, nil},
	"AtomicWrite:check":  {"KeysTable", []string{"ConditionCheckItem"}, nil},
	"AtomicWrite:claim":  {"KeysTable", []string{"PutItem"}, nil},
}

// alsoAccess is the access a store method makes to a second table:
// CreateSession reads the account (and deletes the session it put when the
// account's credential generation moved on).
var alsoAccess = map[string]struct {
	table       string
	dynamo, ots []string
}{
	"CreateSession": {"UsersTable", []string{"GetItem"}, []string{"GetRow"}},
}

// recorder is a todo.Store that notes which methods each function calls.
type recorder struct {
	todo.Store
	mu      sync.Mutex
	current string
	calls   map[string]map[string]bool // function -> method -> called
}

func (r *recorder) note(method string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls[r.current] == nil {
		r.calls[r.current] = map[string]bool{}
	}
	r.calls[r.current][method] = true
}

func (r *recorder) CreateUser(ctx context.Context, u *todo.User) error {
	r.note("CreateUser")
	return r.Store.CreateUser(ctx, u)
}
func (r *recorder) User(ctx context.Context, email string) (*todo.User, error) {
	r.note("User")
	return r.Store.User(ctx, email)
}
func (r *recorder) UpdateUser(ctx context.Context, u *todo.User) error {
	r.note("UpdateUser")
	return r.Store.UpdateUser(ctx, u)
}
func (r *recorder) CreateTodo(ctx context.Context, t *todo.Todo) error {
	r.note("CreateTodo")
	return r.Store.CreateTodo(ctx, t)
}
func (r *recorder) Todo(ctx context.Context, userID, id string) (*todo.Todo, error) {
	r.note("Todo")
	return r.Store.Todo(ctx, userID, id)
}
func (r *recorder) UpdateTodo(ctx context.Context, t *todo.Todo) error {
	r.note("UpdateTodo")
	return r.Store.UpdateTodo(ctx, t)
}
func (r *recorder) DeleteTodo(ctx context.Context, userID, id string) error {
	r.note("DeleteTodo")
	return r.Store.DeleteTodo(ctx, userID, id)
}
func (r *recorder) DeleteTodoIf(ctx context.Context, userID, id string, version int64) error {
	r.note("DeleteTodoIf")
	return r.Store.DeleteTodoIf(ctx, userID, id, version)
}
func (r *recorder) Todos(ctx context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error) {
	r.note("Todos")
	return r.Store.Todos(ctx, userID, q)
}
func (r *recorder) ClearTodos(ctx context.Context, userID string, todos []todo.Todo) (int, error) {
	r.note("ClearTodos")
	return r.Store.ClearTodos(ctx, userID, todos)
}
func (r *recorder) MarkTodos(ctx context.Context, userID string, todos []todo.Todo, done bool, at time.Time) (int, error) {
	r.note("MarkTodos")
	return r.Store.MarkTodos(ctx, userID, todos, done, at)
}
func (r *recorder) Claim(ctx context.Context, key, value string, expires time.Time) (string, bool, error) {
	r.note("Claim")
	return r.Store.Claim(ctx, key, value, expires)
}
func (r *recorder) Release(ctx context.Context, key string) error {
	r.note("Release")
	return r.Store.Release(ctx, key)
}
func (r *recorder) Throttle(ctx context.Context, key string) (*todo.Throttle, error) {
	r.note("Throttle")
	return r.Store.Throttle(ctx, key)
}
func (r *recorder) PutThrottle(ctx context.Context, t *todo.Throttle) error {
	r.note("PutThrottle")
	return r.Store.PutThrottle(ctx, t)
}
func (r *recorder) DeleteThrottle(ctx context.Context, key string) error {
	r.note("DeleteThrottle")
	return r.Store.DeleteThrottle(ctx, key)
}
func (r *recorder) AddCount(ctx context.Context, key string, delta, floor, ceiling int64, expires time.Time) (int64, bool, error) {
	r.note("AddCount")
	return r.Store.AddCount(ctx, key, delta, floor, ceiling, expires)
}
func (r *recorder) Settle(ctx context.Context, key, from, to string, expires time.Time) error {
	r.note("Settle")
	return r.Store.Settle(ctx, key, from, to, expires)
}
func (r *recorder) DeleteUser(ctx context.Context, email string) error {
	r.note("DeleteUser")
	return r.Store.DeleteUser(ctx, email)
}
func (r *recorder) DeleteTodos(ctx context.Context, userID string) (int, error) {
	r.note("DeleteTodos")
	return r.Store.DeleteTodos(ctx, userID)
}
func (r *recorder) CreateSession(ctx context.Context, s *todo.Session) error {
	r.note("CreateSession")
	return r.Store.CreateSession(ctx, s)
}
func (r *recorder) Session(ctx context.Context, userID, id string) (*todo.Session, error) {
	r.note("Session")
	return r.Store.Session(ctx, userID, id)
}
func (r *recorder) UpdateSession(ctx context.Context, s *todo.Session) error {
	r.note("UpdateSession")
	return r.Store.UpdateSession(ctx, s)
}
func (r *recorder) DeleteSession(ctx context.Context, userID, id string) error {
	r.note("DeleteSession")
	return r.Store.DeleteSession(ctx, userID, id)
}
func (r *recorder) DeleteSessions(ctx context.Context, userID, except string) (int, error) {
	r.note("DeleteSessions")
	return r.Store.DeleteSessions(ctx, userID, except)
}

// atomicRecorder is a recorder that is a todo.AtomicWriter too: the store
// under the flow (the embedded one) is one, and the recorder, which is no
// todo.Transactor, makes the services take the atomic path that the cloud
// engines take.
type atomicRecorder struct{ *recorder }

// AtomicWrite notes each write's kind (the access table has one entry per
// kind) and passes the writes on.
func (r atomicRecorder) AtomicWrite(ctx context.Context, ws []todo.Write) error {
	for _, w := range ws {
		switch w.Op {
		case todo.OpCreateTodo:
			r.note("AtomicWrite:create")
		case todo.OpUpdateTodo:
			r.note("AtomicWrite:update")
		case todo.OpDeleteTodo:
			r.note("AtomicWrite:delete")
		case todo.OpCountInRange, todo.OpCountLow:
			r.note("AtomicWrite:count")
		case todo.OpCheckCount:
			r.note("AtomicWrite:check")
		case todo.OpClaim:
			r.note("AtomicWrite:claim")
		default:
			r.note(fmt.Sprintf("AtomicWrite:op %d", w.Op))
		}
	}
	return r.Store.(todo.AtomicWriter).AtomicWrite(ctx, ws)
}

// failingSender fails every send, so the mailer releases its claim.
type failingSender struct{}

func (failingSender) Send(context.Context, todo.Mail) error { return errors.New("smtp: 421 try later") }

type okSender struct{}

func (okSender) Send(context.Context, todo.Mail) error { return nil }

// recordFlow runs every function through the paths a user takes, happy and
// not (a wrong code, a wrong password, a retried add, a missing todo, a
// mail that fails), and returns the store methods each one called.
//
// With atomic, the store is an atomicRecorder, so the services take the
// atomic path of the cloud engines (one AtomicWrite per todo write);
// without, the call-by-call path that a refused atomic write falls back to.
// A function's policy must allow both.
func recordFlow(t *testing.T, atomic bool) map[string]map[string]bool {
	t.Helper()
	// A wrong password raises the owner's alert at the first failure of
	// each second, so every function that checks a password meets that
	// path; the mail budget does not run out on the way.
	a := openApp(t, "LOGIN_ALERT_LIMIT", "1/1s", "CODE_MAILS_PER_DAY", "100")
	rec := &recorder{Store: a.Store, calls: map[string]map[string]bool{}}
	a.Store = rec // every part below is built on it
	if atomic {
		a.Store = atomicRecorder{rec}
	}
	handlers := map[string]http.Handler{}
	for _, f := range route.HTTPFunctions() {
		handlers[f.Name] = handler(t, a, f.Name)
	}
	ctx := context.Background()
	call := func(fn, method, target, token, body string, status int, hdr ...string) string {
		t.Helper()
		rec.current = fn
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		handlers[fn].ServeHTTP(w, req)
		if w.Code != status {
			t.Fatalf("%s %s %s: %d, want %d: %s", fn, method, target, w.Code, status, w.Body)
		}
		return w.Body.String()
	}
	const email, pw = "rec@example.com", "correct horse battery"
	call("register", "POST", "/register", "", `{"email":"`+email+`","password":"`+pw+`"}`, 202)
	call("register", "POST", "/register", "", `{"email":"`+email+`","password":"`+pw+`"}`, 202) // a new code for a pending address

	// The mailer, on the user's change as the stream would carry it.
	u, err := a.Store.User(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	rec.current = "mailer"
	for _, sender := range []todo.MailSender{failingSender{}, okSender{}, okSender{}} {
		_ = mailer.Notifier(a, sender).Handle(ctx, todo.UserChange{New: u})
	}
	// ... and the decoder of the stream record that carried it.
	var ev dynamodb.StreamEvent
	data, _ := os.ReadFile(path("events", "mailer.json"))
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	if _, err := dynamodb.UserChange(ev.Records[0]); err != nil {
		t.Fatalf("events/mailer.json does not decode as a users-table record: %v", err)
	}

	call("verify", "POST", "/verify", "", `{"email":"`+email+`","code":"000000","password":"`+pw+`"}`, 400)
	call("verify", "POST", "/verify", "", `{"email":"`+email+`","code":"`+account.NewCodes(a.Secret()).Code(email, u.CodeNonce)+`","password":"`+pw+`"}`, 200)
	call("verify", "GET", "/verify?email="+email+"&code=1", "", "", 302)
	call("register", "POST", "/register", "", `{"email":"`+email+`","password":"`+pw+`"}`, 202) // a verified address: a notice
	// wrongPassword makes a call with a wrong password, which must raise
	// the owner's alert (a change of the account the mailer turns into a
	// mail).
	wrongPassword := func(fn, method, target, token, body string) {
		t.Helper()
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) // a new window of LOGIN_ALERT_LIMIT
		before, err := rec.Store.User(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		call(fn, method, target, token, body, 401)
		after, err := rec.Store.User(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if after.AlertNonce == "" || after.AlertNonce == before.AlertNonce {
			t.Fatalf("%s: a wrong password raised no alert", fn)
		}
	}
	wrongPassword("login", "POST", "/login", "", `{"email":"`+email+`","password":"wrong password"}`)
	logIn := func(password string) (access, refresh string) {
		t.Helper()
		body := call("login", "POST", "/login", "", `{"email":"`+email+`","password":"`+password+`"}`, 200)
		var s struct{ AccessToken, RefreshToken string }
		if err := json.Unmarshal([]byte(body), &s); err != nil || s.AccessToken == "" || s.RefreshToken == "" {
			t.Fatalf("login: no tokens in %s", body)
		}
		return s.AccessToken, s.RefreshToken
	}
	tok, refresh := logIn(pw)
	body := call("todos-add", "POST", "/todos", tok, `{"title":"milk"}`, 201, "Idempotency-Key", "k1")
	call("todos-add", "POST", "/todos", tok, `{"title":"milk"}`, 201, "Idempotency-Key", "k1")
	call("todos-add", "POST", "/todos", tok, `{"title":"eggs"}`, 201)
	var td struct{ ID string }
	_ = json.Unmarshal([]byte(body), &td)
	call("todos-list", "GET", "/todos?limit=1", tok, "", 200)
	call("todos-update", "PATCH", "/todos/"+td.ID, tok, `{"done":true}`, 200)
	call("todos-update", "PATCH", "/todos/01KB3R0J7PZ2W9QK8XH5M4N6TV", tok, `{"done":true}`, 404)
	call("todos-delete", "DELETE", "/todos/"+td.ID, tok, "", 204)
	call("todos-delete", "DELETE", "/todos/"+td.ID, tok, "", 404)
	call("todos-mark-all", "PATCH", "/todos", tok, `{"done":true}`, 200)
	call("todos-clear", "DELETE", "/todos?done=true", tok, "", 200)
	call("todos-clear", "DELETE", "/todos", tok, "", 400)

	// refresh: a rotation, the spent token again within the grace period
	// (the same new one), then again after it (a stolen token: the session
	// ends and the owner gets a notice), and a token of no session.
	body = call("refresh", "POST", "/refresh", "", `{"refreshToken":"`+refresh+`"}`, 200)
	var next struct{ AccessToken, RefreshToken string }
	if err := json.Unmarshal([]byte(body), &next); err != nil || next.RefreshToken == "" || next.RefreshToken == refresh {
		t.Fatalf("refresh: no new refresh token in %s", body)
	}
	call("refresh", "POST", "/refresh", "", `{"refreshToken":"`+refresh+`"}`, 200)
	claims, err := apiserverVerifier(t, a).Verify(next.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := rec.Store.Session(ctx, claims.UserID, claims.SessionID) // not recorded: the test's own read
	if err != nil {
		t.Fatal(err)
	}
	sess.RotatedAt = sess.RotatedAt.Add(-time.Minute) // the grace period is over
	if err := rec.Store.UpdateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	call("refresh", "POST", "/refresh", "", `{"refreshToken":"`+refresh+`"}`, 401)
	call("refresh", "POST", "/refresh", "", `{"refreshToken":"`+next.RefreshToken+`"}`, 401) // the session has ended
	call("refresh", "POST", "/refresh", "", `{"refreshToken":"no.such.token"}`, 401)

	// logout: this session, a session by its refresh token, every session.
	tok, _ = logIn(pw)
	call("logout", "POST", "/logout", tok, `{}`, 204)
	_, refresh = logIn(pw)
	call("logout", "POST", "/logout", "", `{"refreshToken":"`+refresh+`"}`, 204)
	tok, _ = logIn(pw)
	call("logout", "POST", "/logout", tok, `{"scope":"global"}`, 204)

	// password-forgot, for an unknown address and for the account; the
	// mailer mails the reset code; password-reset with a wrong code, then
	// the mailed one.
	call("password-forgot", "POST", "/password/forgot", "", `{"email":"nobody@example.com"}`, 202)
	call("password-forgot", "POST", "/password/forgot", "", `{"email":"`+email+`"}`, 202)
	mail := func() {
		t.Helper()
		u, err := rec.Store.User(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		rec.current = "mailer"
		if err := mailer.Notifier(a, okSender{}).Handle(ctx, todo.UserChange{New: u}); err != nil {
			t.Fatalf("mailer: %v", err)
		}
	}
	mail()
	u, err = rec.Store.User(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	const pw2, pw3 = "new horse battery staple", "third horse battery staple"
	call("password-reset", "POST", "/password/reset", "", `{"email":"`+email+`","code":"`+wrongCode(account.NewCodes(a.Secret()).Code(email, u.ResetNonce))+`","password":"`+pw2+`"}`, 400)
	call("password-reset", "POST", "/password/reset", "", `{"email":"`+email+`","code":"`+account.NewCodes(a.Secret()).Code(email, u.ResetNonce)+`","password":"`+pw2+`"}`, 200)
	mail() // the notice of the reset

	// password-change and account-delete, each with a wrong password first.
	tok, _ = logIn(pw2)
	logIn(pw2) // another session, which the change ends
	wrongPassword("password-change", "POST", "/password", tok, `{"currentPassword":"wrong password","newPassword":"`+pw3+`"}`)
	call("password-change", "POST", "/password", tok, `{"currentPassword":"`+pw2+`","newPassword":"`+pw3+`"}`, 204)
	wrongPassword("account-delete", "DELETE", "/account", tok, `{"password":"wrong password"}`)
	call("account-delete", "DELETE", "/account", tok, `{"password":"`+pw3+`"}`, 204)
	if _, err := rec.Store.User(ctx, email); todo.ErrorCode(err) != todo.NotFound {
		t.Fatalf("after account-delete: the account is still there (%v)", err)
	}
	rec.current = "mailer" // the removal, as the stream carries it (it mails nothing: the notice went with the write before)
	if err := mailer.Notifier(a, okSender{}).Handle(ctx, todo.UserChange{Old: u}); err != nil {
		t.Fatalf("mailer: %v", err)
	}
	return rec.calls
}

// wrongCode is a 6-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// apiserverVerifier is the access-token verifier the functions of a use.
func apiserverVerifier(t *testing.T, a *app.App) *auth.Verifier {
	t.Helper()
	v, err := apiserver.Verifier(a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// grants maps "Table" -> sorted actions (without the service prefix).
type grants map[string][]string

func (g grants) add(table string, actions ...string) {
	for _, a := range actions {
		if !slices.Contains(g[table], a) {
			g[table] = append(g[table], a)
		}
	}
	sort.Strings(g[table])
}

func (g grants) String() string {
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %v; ", k, g[k])
	}
	return b.String()
}

func equalGrants(a, b grants) bool { return a.String() == b.String() }

// TestPoliciesNameOnlyWhatTheCodeUses compares each function's policy in
// template.yml with the table access its code makes, and the Function
// Compute role's policy (deploy/fc-ram-policy.json) with all of it.
//
// rarePaths are the actions a function needs only on a path the recorded
// flow cannot reach from outside, each with the reason.
var rarePaths = map[string][]struct{ table, action, why string }{
	"todos-add": {
		{"TodosTable", "GetItem", "a retry of an add whose first call stored the todo but did not record it looks the todo up"},
		{"TodosTable", "DeleteItem", "a retry that stored a todo deleted meanwhile removes it again"},
	},
}

func TestPoliciesNameOnlyWhatTheCodeUses(t *testing.T) {
	calls := recordFlow(t, false)
	for fn, ms := range recordFlow(t, true) {
		for m := range ms {
			if calls[fn] == nil {
				calls[fn] = map[string]bool{}
			}
			calls[fn][m] = true
		}
	}
	tmpl := loadYAML(t, "template.yml")
	all := grants{}
	for _, fn := range functionNames() {
		want := grants{}
		for m := range calls[fn] {
			acc, ok := access[m]
			if !ok {
				t.Fatalf("store method %s has no entry in the access table of this test", m)
			}
			want.add(acc.table, acc.dynamo...)
			all.add(acc.table, acc.ots...)
			if acc, ok := alsoAccess[m]; ok {
				want.add(acc.table, acc.dynamo...)
				all.add(acc.table, acc.ots...)
			}
		}
		if len(want) == 0 {
			t.Errorf("%s: the flow recorded no store call", fn)
		}
		if fn == "mailer" {
			want.add("UsersTable/stream", "DescribeStream", "GetRecords", "GetShardIterator", "ListStreams")
		}
		for _, r := range rarePaths[fn] {
			want.add(r.table, r.action)
		}
		got := grants{}
		for _, pol := range dig(tmpl, "Resources", logicalID(fn), "Properties", "Policies").([]any) {
			for _, st := range asMap(pol)["Statement"].([]any) {
				st := asMap(st)
				if st["Effect"] != "Allow" {
					continue
				}
				getAtt := asStrings(dig(st, "Resource", "Fn::GetAtt"))
				if len(getAtt) != 2 {
					t.Errorf("%s: statement on %v; want one table or stream by !GetAtt", fn, st["Resource"])
					continue
				}
				table := getAtt[0]
				if getAtt[1] == "StreamArn" {
					table += "/stream"
				} else if getAtt[1] != "Arn" {
					t.Errorf("%s: statement on %v", fn, getAtt)
				}
				for _, a := range asStrings(st["Action"]) {
					svc, action, _ := strings.Cut(a, ":")
					if svc != "dynamodb" {
						t.Errorf("%s: action %s is not DynamoDB's", fn, a)
					}
					got.add(table, action)
				}
			}
		}
		if !equalGrants(got, want) {
			t.Errorf("%s: policy grants %v\nthe code uses     %v", fn, got, want)
		}
	}

	// Function Compute: one role for every function.
	data, err := os.ReadFile(path("deploy", "fc-ram-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pol struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal(data, &pol); err != nil {
		t.Fatalf("deploy/fc-ram-policy.json: %v", err)
	}
	tables := map[string]string{"users": "UsersTable", "todos": "TodosTable", "keys": "KeysTable", "sessions": "SessionsTable"}
	got := grants{}
	for _, st := range pol.Statement {
		for _, res := range st.Resource {
			if !strings.HasPrefix(res, "acs:ots:") {
				continue
			}
			i := strings.LastIndex(res, "_")
			table, ok := tables[res[i+1:]]
			if i < 0 || !ok || !strings.Contains(res, ":instance/") {
				t.Errorf("fc-ram-policy.json: resource %s is not one of the four tables", res)
				continue
			}
			for _, a := range st.Action {
				got.add(table, strings.TrimPrefix(a, "ots:"))
			}
		}
	}
	if !equalGrants(got, all) {
		t.Errorf("fc-ram-policy.json grants %v\nthe code uses        %v", got, all)
	}
}

// TestRecorderCoversTheStore checks the recorder notes every method of
// todo.Store (a method it does not override would be called unseen, and
// its table access missed by the policy check) and the access table names
// each one.
func TestRecorderCoversTheStore(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path("deploy", "policy_test.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	overridden := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
			continue
		}
		if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
			if id, ok := star.X.(*ast.Ident); ok && id.Name == "recorder" {
				overridden[fd.Name.Name] = true
			}
		}
	}
	store := reflect.TypeFor[todo.Store]()
	for i := range store.NumMethod() {
		m := store.Method(i).Name
		if m == "Close" {
			continue
		}
		if !overridden[m] {
			t.Errorf("the recorder does not note %s of todo.Store", m)
		}
		if _, ok := access[m]; !ok {
			t.Errorf("the access table has no entry for %s of todo.Store", m)
		}
	}
}

package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
)

// access is the table access each store method makes, read from
// pkg/dynamodb and pkg/tablestore: the DynamoDB actions (a conditional write
// that fails reads the item back) and the Tablestore ones.
var access = map[string]struct {
	table       string // the template.yml logical ID of the table
	dynamo, ots []string
}{
	"CreateUser":     {"UsersTable", []string{"PutItem"}, []string{"PutRow"}},
	"User":           {"UsersTable", []string{"GetItem"}, []string{"GetRow"}},
	"UpdateUser":     {"UsersTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"CreateTodo":     {"TodosTable", []string{"PutItem"}, []string{"PutRow"}},
	"Todo":           {"TodosTable", []string{"GetItem"}, []string{"GetRow"}},
	"UpdateTodo":     {"TodosTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"DeleteTodo":     {"TodosTable", []string{"DeleteItem"}, []string{"DeleteRow"}},
	"Todos":          {"TodosTable", []string{"Query"}, []string{"GetRange"}},
	"Claim":          {"KeysTable", []string{"PutItem", "GetItem"}, []string{"PutRow", "GetRow"}},
	"Release":        {"KeysTable", []string{"DeleteItem"}, []string{"DeleteRow"}},
	"Throttle":       {"KeysTable", []string{"GetItem"}, []string{"GetRow"}},
	"PutThrottle":    {"KeysTable", []string{"PutItem"}, []string{"PutRow", "GetRow"}},
	"DeleteThrottle": {"KeysTable", []string{"DeleteItem"}, []string{"DeleteRow"}},
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
func (r *recorder) Todos(ctx context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error) {
	r.note("Todos")
	return r.Store.Todos(ctx, userID, q)
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

// failingSender fails every send, so the mailer releases its claim.
type failingSender struct{}

func (failingSender) Send(context.Context, todo.Mail) error { return errors.New("smtp: 421 try later") }

type okSender struct{}

func (okSender) Send(context.Context, todo.Mail) error { return nil }

// recordFlow runs every function through the paths a user takes, happy and
// not (a wrong code, a wrong password, a retried add, a missing todo, a
// mail that fails), and returns the store methods each one called.
func recordFlow(t *testing.T) map[string]map[string]bool {
	t.Helper()
	a := openApp(t)
	rec := &recorder{Store: a.Store, calls: map[string]map[string]bool{}}
	a.Store = rec // every part below is built on it
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

	call("verify", "POST", "/verify", "", `{"email":"`+email+`","code":"000000"}`, 400)
	call("verify", "POST", "/verify", "", `{"email":"`+email+`","code":"`+account.NewCodes(a.Secret()).Code(email, u.CodeNonce)+`"}`, 200)
	call("verify", "GET", "/verify?email="+email+"&code=1", "", "", 302)
	call("register", "POST", "/register", "", `{"email":"`+email+`","password":"`+pw+`"}`, 202) // a verified address: a notice
	call("login", "POST", "/login", "", `{"email":"`+email+`","password":"wrong password"}`, 401)
	body := call("login", "POST", "/login", "", `{"email":"`+email+`","password":"`+pw+`"}`, 200)
	var login struct{ AccessToken string }
	_ = json.Unmarshal([]byte(body), &login)
	tok := login.AccessToken
	body = call("todos-add", "POST", "/todos", tok, `{"title":"milk"}`, 201, "Idempotency-Key", "k1")
	call("todos-add", "POST", "/todos", tok, `{"title":"milk"}`, 201, "Idempotency-Key", "k1")
	call("todos-add", "POST", "/todos", tok, `{"title":"eggs"}`, 201)
	var td struct{ ID string }
	_ = json.Unmarshal([]byte(body), &td)
	call("todos-list", "GET", "/todos?limit=1", tok, "", 200)
	call("todos-update", "PATCH", "/todos/"+td.ID, tok, `{"done":true}`, 200)
	call("todos-update", "PATCH", "/todos/01KB3R0J7PZ2W9QK8XH5M4N6TV", tok, `{"done":true}`, 404)
	call("todos-delete", "DELETE", "/todos/"+td.ID, tok, "", 204)
	call("todos-delete", "DELETE", "/todos/"+td.ID, tok, "", 404)
	return rec.calls
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
func TestPoliciesNameOnlyWhatTheCodeUses(t *testing.T) {
	calls := recordFlow(t)
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
		}
		if len(want) == 0 {
			t.Errorf("%s: the flow recorded no store call", fn)
		}
		if fn == "mailer" {
			want.add("UsersTable/stream", "DescribeStream", "GetRecords", "GetShardIterator", "ListStreams")
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
	tables := map[string]string{"users": "UsersTable", "todos": "TodosTable", "keys": "KeysTable"}
	got := grants{}
	for _, st := range pol.Statement {
		for _, res := range st.Resource {
			if !strings.HasPrefix(res, "acs:ots:") {
				continue
			}
			i := strings.LastIndex(res, "_")
			table, ok := tables[res[i+1:]]
			if i < 0 || !ok || !strings.Contains(res, ":instance/") {
				t.Errorf("fc-ram-policy.json: resource %s is not one of the three tables", res)
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

//go:build !no_lambda && !no_dynamodb

// The function-URL events are Lambda's: the FC flavour (no_dynamodb)
// builds without aws-lambda-go (pkg/platform), so without these tests.

package deploy

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/mailboxtest"
	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/platform"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
)

// event reads events/<name>.json as a generic map, so a test can change it.
func event(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path("events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatalf("events/%s.json: %v", name, err)
	}
	return ev
}

type urlResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// invoke runs one function-URL event through the function's real handler,
// as the Lambda runtime loop does.
func invoke(t *testing.T, a *app.App, fn string, ev map[string]any) urlResponse {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := platform.ServeFunctionURL(context.Background(), handler(t, a, fn), payload)
	if err != nil {
		t.Fatal(err)
	}
	var r urlResponse
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s: response %s: %v", fn, out, err)
	}
	return r
}

func withToken(ev map[string]any, token string) map[string]any {
	h := ev["headers"].(map[string]any)
	h["authorization"] = "Bearer " + token
	return ev
}

func withBody(ev map[string]any, body string) map[string]any {
	ev["body"] = body
	ev["headers"].(map[string]any)["content-length"] = itoa(len(body))
	return ev
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// wildcard is a ServeMux path wildcard after regexp.QuoteMeta: \{id\}.
var wildcard = regexp.MustCompile(`\\\{[^}]+\\\}`)

// TestEventsMatchTheRoutes checks each HTTP event is a function-URL event
// for a route its function serves.
func TestEventsMatchTheRoutes(t *testing.T) {
	for _, f := range route.HTTPFunctions() {
		fn := f.Name
		ev := event(t, fn)
		method := dig(ev, "requestContext", "http", "method")
		raw, _ := ev["rawPath"].(string)
		if ev["version"] != "2.0" || dig(ev, "requestContext", "http", "path") != raw {
			t.Errorf("events/%s.json: not a function-URL event (version 2.0, requestContext.http.path = rawPath)", fn)
		}
		found := false
		for _, r := range f.Routes {
			// "/todos/{id}" -> ^/todos/[^/]+$
			re := regexp.MustCompile("^" + wildcard.ReplaceAllString(regexp.QuoteMeta(r.Pattern), "[^/]+") + "$")
			if r.Method == method && re.MatchString(raw) {
				found = true
			}
		}
		if !found {
			t.Errorf("events/%s.json is %v %s, which %s does not serve", fn, method, raw, fn)
		}
	}
}

// TestEventsDriveTheHandlers feeds every events/*.json through the real
// handlers in the order a user meets them; each file as it is, and with
// what a real caller would have (the mailed code, the token from login).
func TestEventsDriveTheHandlers(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	want := func(fn string, r urlResponse, status int) {
		t.Helper()
		if r.StatusCode != status {
			t.Fatalf("%s: status %d, want %d; body %s", fn, r.StatusCode, status, r.Body)
		}
	}

	want("register", invoke(t, a, "register", event(t, "register")), http.StatusAccepted)

	var reg struct{ Email string }
	_ = json.Unmarshal([]byte(event(t, "register")["body"].(string)), &reg)
	u, err := a.Store.User(ctx, reg.Email)
	if err != nil {
		t.Fatal(err)
	}
	r := invoke(t, a, "verify", event(t, "verify"))
	want("verify (sample code)", r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `"invalid_code"`) {
		t.Errorf("verify with the sample code: %s, want invalid_code", r.Body)
	}
	code := account.NewCodes(a.Secret()).Code(u.Email, u.CodeNonce)
	want("verify", invoke(t, a, "verify", withBody(event(t, "verify"), `{"email":"`+u.Email+`","code":"`+code+`","password":"correct horse battery"}`)), http.StatusOK)

	r = invoke(t, a, "login", event(t, "login"))
	want("login", r, http.StatusOK)
	var login struct{ AccessToken, RefreshToken string }
	if err := json.Unmarshal([]byte(r.Body), &login); err != nil || login.AccessToken == "" || login.RefreshToken == "" {
		t.Fatalf("login: no access and refresh token in %s", r.Body)
	}

	// Todo routes: the placeholder token is refused; the real one works.
	for _, fn := range []string{"todos-list", "todos-add", "todos-update", "todos-delete", "todos-clear", "todos-mark-all"} {
		r := invoke(t, a, fn, event(t, fn))
		want(fn+" (placeholder token)", r, http.StatusUnauthorized)
		if !strings.HasPrefix(r.Headers["WWW-Authenticate"]+r.Headers["Www-Authenticate"], "Bearer") {
			t.Errorf("%s: 401 without WWW-Authenticate: Bearer (headers %v)", fn, r.Headers)
		}
	}
	r = invoke(t, a, "todos-add", withToken(event(t, "todos-add"), login.AccessToken))
	want("todos-add", r, http.StatusCreated)
	if !strings.HasPrefix(r.Headers["Location"], "/todos/") {
		t.Errorf("todos-add: Location %q", r.Headers["Location"])
	}
	want("todos-list", invoke(t, a, "todos-list", withToken(event(t, "todos-list"), login.AccessToken)), http.StatusOK)

	// todos-update and todos-delete name a todo by ID: store it for Ann.
	id := strings.TrimPrefix(event(t, "todos-update")["rawPath"].(string), "/todos/")
	if del := strings.TrimPrefix(event(t, "todos-delete")["rawPath"].(string), "/todos/"); del != id {
		t.Fatalf("events/todos-update.json and todos-delete.json name different todos: %s, %s", id, del)
	}
	now := time.Now().UTC()
	if err := a.Store.CreateTodo(ctx, &todo.Todo{ID: id, UserID: u.ID, Title: "Call Bob", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	r = invoke(t, a, "todos-update", withToken(event(t, "todos-update"), login.AccessToken))
	want("todos-update", r, http.StatusOK)
	if !strings.Contains(r.Body, `"done":true`) {
		t.Errorf("todos-update: %s, want done", r.Body)
	}
	want("todos-delete", invoke(t, a, "todos-delete", withToken(event(t, "todos-delete"), login.AccessToken)), http.StatusNoContent)
	want("todos-delete (again)", invoke(t, a, "todos-delete", withToken(event(t, "todos-delete"), login.AccessToken)), http.StatusNotFound)
	// todos-clear finds nothing done; todos-mark-all ticks the todo
	// todos-add made (which account-delete deletes below).
	for _, c := range []struct{ fn, body string }{
		{"todos-clear", `{"changed":0,"more":false}`},
		{"todos-mark-all", `{"changed":1,"more":false}`},
	} {
		r = invoke(t, a, c.fn, withToken(event(t, c.fn), login.AccessToken))
		want(c.fn, r, http.StatusOK)
		if strings.TrimSpace(r.Body) != c.body {
			t.Errorf("%s: %s, want %s", c.fn, r.Body, c.body)
		}
	}

	// Sessions: the placeholder refresh token is refused; the login's is
	// traded for new tokens, whose session logout then ends.
	want("refresh (placeholder token)", invoke(t, a, "refresh", event(t, "refresh")), http.StatusUnauthorized)
	r = invoke(t, a, "refresh", withBody(event(t, "refresh"), `{"refreshToken":"`+login.RefreshToken+`"}`))
	want("refresh", r, http.StatusOK)
	var next struct{ AccessToken, RefreshToken string }
	if err := json.Unmarshal([]byte(r.Body), &next); err != nil || next.AccessToken == "" || next.RefreshToken == "" || next.RefreshToken == login.RefreshToken {
		t.Fatalf("refresh: no new tokens in %s", r.Body)
	}
	want("logout (placeholder token)", invoke(t, a, "logout", event(t, "logout")), http.StatusUnauthorized)
	want("logout", invoke(t, a, "logout", withToken(event(t, "logout"), next.AccessToken)), http.StatusNoContent)
	want("refresh (after logout)", invoke(t, a, "refresh", withBody(event(t, "refresh"), `{"refreshToken":"`+next.RefreshToken+`"}`)), http.StatusUnauthorized)

	// Passwords: forgot (the same answer for any address), the mailed reset
	// code, reset with the sample code (refused) and with the mailed one.
	want("password-forgot", invoke(t, a, "password-forgot", event(t, "password-forgot")), http.StatusAccepted)
	code = mailedCode(t, a, reg.Email)
	r = invoke(t, a, "password-reset", event(t, "password-reset"))
	want("password-reset (sample code)", r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `"invalid_code"`) {
		t.Errorf("password-reset with the sample code: %s, want invalid_code", r.Body)
	}
	var reset struct{ Email, Code, Password string }
	_ = json.Unmarshal([]byte(event(t, "password-reset")["body"].(string)), &reset)
	want("password-reset", invoke(t, a, "password-reset", withBody(event(t, "password-reset"),
		`{"email":"`+reset.Email+`","code":"`+code+`","password":"`+reset.Password+`"}`)), http.StatusOK)

	// With the new password: log in, change it (the event's current
	// password is the reset's), and delete the account with the changed one.
	r = invoke(t, a, "login", withBody(event(t, "login"), `{"email":"`+reset.Email+`","password":"`+reset.Password+`"}`))
	want("login (after the reset)", r, http.StatusOK)
	if err := json.Unmarshal([]byte(r.Body), &login); err != nil || login.AccessToken == "" {
		t.Fatalf("login: no access token in %s", r.Body)
	}
	want("password-change (placeholder token)", invoke(t, a, "password-change", event(t, "password-change")), http.StatusUnauthorized)
	want("password-change", invoke(t, a, "password-change", withToken(event(t, "password-change"), login.AccessToken)), http.StatusNoContent)
	if page, err := a.Store.Todos(ctx, u.ID, todo.TodoQuery{Limit: 10}); err != nil || len(page.Items) == 0 {
		t.Fatalf("before account-delete: %d todos (%v), want the one todos-add made", len(page.Items), err)
	}
	want("account-delete (placeholder token)", invoke(t, a, "account-delete", event(t, "account-delete")), http.StatusUnauthorized)
	want("account-delete", invoke(t, a, "account-delete", withToken(event(t, "account-delete"), login.AccessToken)), http.StatusNoContent)
	if _, err := a.Store.User(ctx, reg.Email); todo.ErrorCode(err) != todo.NotFound {
		t.Errorf("after account-delete: User(%s) = %v, want NotFound", reg.Email, err)
	}
	if page, err := a.Store.Todos(ctx, u.ID, todo.TodoQuery{Limit: 10}); err != nil || len(page.Items) != 0 {
		t.Errorf("after account-delete: %d todos (%v), want none", len(page.Items), err)
	}
}

// capturingSender keeps the mails the mailer sends.
type capturingSender struct{ mails []todo.Mail }

func (c *capturingSender) Send(_ context.Context, m todo.Mail) error {
	c.mails = append(c.mails, m)
	return nil
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// mailedCode runs the mailer on the account of email as the stream would
// carry its last change, and returns the 6-digit code of the password-reset
// mail it sends, checked against the code the account's reset nonce gives.
func mailedCode(t *testing.T, a *app.App, email string) string {
	t.Helper()
	ctx := context.Background()
	u, err := a.Store.User(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if u.ResetNonce == "" {
		t.Fatalf("password-forgot left no reset request on %s", email)
	}
	var sent capturingSender
	if err := mailer.Notifier(a, &sent).Handle(ctx, todo.UserChange{New: u}); err != nil {
		t.Fatalf("mailer: %v", err)
	}
	want := account.NewCodes(a.Secret()).Code(email, u.ResetNonce)
	for _, m := range sent.mails {
		if m.To == email && slices.Contains(sixDigits.FindAllString(m.Text, -1), want) {
			return want
		}
	}
	t.Fatalf("the mailer sent no mail to %s with the reset code %s: %+v", email, want, sent.mails)
	return ""
}

// TestMailerEvent feeds events/mailer.json (a DynamoDB stream INSERT of a
// pending user, in pkg/dynamodb's attribute layout) to the mailer: it
// answers with no failed records and mails the code once, however often the
// record is delivered.
func TestMailerEvent(t *testing.T) {
	a := openApp(t)
	payload, err := os.ReadFile(path("events", "mailer.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := mailer.Handler(ctx, a) // the store's own feed is empty: the event is the stream
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a stream delivers at least once
		out, err := h(context.Background(), payload)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != `{"batchItemFailures":[]}` {
			t.Fatalf("mailer answered %s, want {\"batchItemFailures\":[]}", out)
		}
	}
	var ev struct {
		Records []struct {
			Dynamodb struct {
				NewImage map[string]map[string]string
			}
		}
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	img := ev.Records[0].Dynamodb.NewImage
	msgs, err := mailboxtest.ReadDir(a.Config.Mail.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d mails in %s, want 1", len(msgs), filepath.Base(a.Config.Mail.Dir))
	}
	code := account.NewCodes(a.Secret()).Code(img["email"]["S"], img["codeNonce"]["S"])
	if msgs[0].To != img["email"]["S"] && !strings.Contains(msgs[0].To, img["email"]["S"]) || !strings.Contains(msgs[0].Text, code) {
		t.Errorf("mail to %q does not carry the code %s:\n%s", msgs[0].To, code, msgs[0].Text)
	}
}

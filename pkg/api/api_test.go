package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/metrics"
	"github.com/todofn/todofn/pkg/password"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/todolist"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

type env struct {
	t      testing.TB
	srv    *api.Server
	fns    []api.Handlers
	h      http.Handler
	store  *bolt.Store
	codes  *account.Codes
	tokens *auth.Issuer
	key    keyset.SigningKey
	logs   *bytes.Buffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key, _ := keyset.Generate("k1")
	tokens, err := auth.NewIssuer(auth.IssuerConfig{Keys: []keyset.SigningKey{key}, Issuer: "todofn", Audience: "todofn-api"})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Keys: []keyset.PublicKey{key.Public()}, Issuer: "todofn", Audience: "todofn-api"})
	if err != nil {
		t.Fatal(err)
	}
	codes := account.NewCodes(secret)
	logs := new(bytes.Buffer)
	srv := &api.Server{Tokens: verifier, Cursors: api.NewCursors(secret),
		AppURL: "https://app.example/", AllowedOrigins: []string{"https://app.example"},
		Log: slog.New(slog.NewJSONHandler(logs, nil)), Requests: metrics.New(metrics.Config{Format: metrics.JSON, Out: logs}),
	}
	acc := &account.Service{Users: store, Throttles: store, Sessions: store, Deleter: store, Todos: store,
		Sealer: account.NewSealer(secret), Tokens: tokens, Codes: codes, Policy: account.DefaultPolicy,
		Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}), CheckPassword: password.Check}
	td := &todolist.Service{Todos: store, Claims: store}
	fns := srv.All(acc, td)
	return &env{t: t, srv: srv, fns: fns, h: srv.Handler(fns...), store: store, codes: codes, tokens: tokens, key: key, logs: logs}
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (e *env) do(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "X-Test-Remote" { // the client's address, not a header
			r.RemoteAddr = hdr[i+1]
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	out := resp{status: w.Code, header: w.Header(), raw: w.Body.String()}
	_ = json.Unmarshal(w.Body.Bytes(), &out.body)
	return out
}

func (r resp) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r resp) errField() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["field"].(string)
	return c
}

func (e *env) want(r resp, status int, code string) {
	e.t.Helper()
	if r.status != status || r.errCode() != code {
		e.t.Fatalf("got %d %s, want %d %q", r.status, r.raw, status, code)
	}
	if code != "" && !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		e.t.Fatalf("error without JSON content type: %v", r.header)
	}
}

// signUp registers and verifies an address, then logs in.
func (e *env) signUp(email string) string {
	e.t.Helper()
	e.want(e.do("POST", "/register", "", map[string]string{"email": email, "password": "correct horse battery"}), 202, "")
	u, err := e.store.User(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	e.want(e.do("POST", "/verify", "", map[string]string{"email": email, "code": e.codes.Code(email, u.CodeNonce), "password": "correct horse battery"}), 200, "")
	r := e.do("POST", "/login", "", map[string]string{"email": email, "password": "correct horse battery"})
	e.want(r, 200, "")
	return r.body["accessToken"].(string)
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("x", api.MaxBodyBytes)
	tests := []struct {
		name         string
		method, path string
		body         any
		ctype        string
		status       int
		code, field  string
	}{
		{"malformed JSON", "POST", "/register", `{"email":`, "", 400, todo.Invalid, ""},
		{"not an object", "POST", "/register", `[1,2]`, "", 400, todo.Invalid, ""},
		{"two objects", "POST", "/register", `{} {}`, "", 400, todo.Invalid, ""},
		{"empty body", "POST", "/register", ``, "", 400, todo.Invalid, ""},
		{"unknown field", "POST", "/register", `{"email":"a@b.co","password":"correct horse battery","admin":true}`, "", 400, todo.Invalid, "admin"},
		{"wrong type", "POST", "/register", `{"email":42,"password":"correct horse battery"}`, "", 400, todo.Invalid, "email"},
		{"wrong content type", "POST", "/register", `{}`, "text/plain", 415, todo.UnsupportedMedia, ""},
		{"too large", "POST", "/register", `{"email":"` + long + `"}`, "", 413, todo.TooLarge, ""},
		{"bad email", "POST", "/register", `{"email":"nope","password":"correct horse battery"}`, "", 422, todo.ValidationFailed, "email"},
		{"short password", "POST", "/register", `{"email":"a@b.co","password":"short"}`, "", 422, todo.ValidationFailed, "password"},
		{"wrong method", "GET", "/register", nil, "", 405, todo.MethodNotAllowed, ""},
		{"unknown path", "GET", "/admin", nil, "", 404, todo.NotFound, ""},
		{"bad code", "POST", "/verify", `{"email":"a@b.co","code":"12"}`, "", 422, todo.ValidationFailed, "code"},
		{"verify without a password", "POST", "/verify", `{"email":"a@b.co","code":"123456"}`, "", 422, todo.ValidationFailed, "password"},
		{"verify with a weak password", "POST", "/verify", `{"email":"a@b.co","code":"123456","password":"qwerty123456"}`, "", 422, todo.ValidationFailed, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.ctype != "" {
				hdr = []string{"Content-Type", tt.ctype}
			}
			r := e.do(tt.method, tt.path, "", tt.body, hdr...)
			e.want(r, tt.status, tt.code)
			if r.errField() != tt.field {
				t.Fatalf("field = %q, want %q", r.errField(), tt.field)
			}
		})
	}
	if r := e.do("GET", "/register", "", nil); r.header.Get("Allow") != "POST, OPTIONS" {
		t.Fatalf("Allow = %q", r.header.Get("Allow"))
	}
}

func TestRegisterDoesNotRevealAccounts(t *testing.T) {
	e := newEnv(t)
	e.signUp("known@example.com")
	e.do("POST", "/register", "", map[string]string{"email": "pending@example.com", "password": "correct horse battery"})
	var bodies []string
	for _, email := range []string{"new@example.com", "pending@example.com", "known@example.com"} {
		r := e.do("POST", "/register", "", map[string]string{"email": email, "password": "another long secret"})
		bodies = append(bodies, r.raw)
		e.want(r, 202, "")
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] || !strings.Contains(bodies[0], "pending_verification") {
		t.Fatalf("answers differ: %q", bodies)
	}
}

// TestVerifyLinkChangesNothing is finding 5: GET and HEAD on the mailed
// link (and on links in mails sent before) only redirect to the web app's
// confirm page; the account stays pending.
func TestVerifyLinkChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/register", "", map[string]string{"email": "ann@example.com", "password": "correct horse battery"})
	u, _ := e.store.User(context.Background(), "ann@example.com")
	code := e.codes.Code(u.Email, u.CodeNonce)
	for _, method := range []string{"GET", "HEAD"} {
		r := e.do(method, "/verify?email=ann%40example.com&code="+code+"&extra=dropped", "", nil)
		if want := "https://app.example/#/verify?code=" + code + "&email=ann%40example.com"; r.status != 302 || r.header.Get("Location") != want {
			t.Fatalf("%s: %d %q, want 302 to %q", method, r.status, r.header.Get("Location"), want)
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatal("the link's code could leak through Referer")
		}
	}
	if u, _ := e.store.User(context.Background(), "ann@example.com"); u.Status != todo.StatusPending {
		t.Fatal("following the link verified the account")
	}
}

// TestVerifyByHTMLForm: a plain form POST (no JavaScript) verifies and
// answers with a redirect to the web app's result page.
func TestVerifyByHTMLForm(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/register", "", map[string]string{"email": "ann@example.com", "password": "correct horse battery"})
	u, _ := e.store.User(context.Background(), "ann@example.com")
	code := e.codes.Code(u.Email, u.CodeNonce)
	form := func(body string) resp {
		return e.do("POST", "/verify", "", body, "Content-Type", "application/x-www-form-urlencoded")
	}
	r := form("email=ann%40example.com&password=correct+horse+battery&code=" + otherCode(code))
	if r.status != 302 || r.header.Get("Location") != "https://app.example/#/verify-failed?reason=invalid_code" {
		t.Fatalf("wrong code: %d %v", r.status, r.header)
	}
	r = form("email=ann%40example.com&password=correct+horse+battery&code=12")
	if r.header.Get("Location") != "https://app.example/#/verify-failed?reason=validation_failed" {
		t.Fatalf("malformed code: %d %v", r.status, r.header)
	}
	r = form("email=ann%40example.com&code=" + code) // no password: the form asks again
	if r.header.Get("Location") != "https://app.example/#/verify-failed?reason=validation_failed" {
		t.Fatalf("no password: %d %v", r.status, r.header)
	}
	r = form("email=ann%40example.com&password=correct+horse+battery&code=" + code)
	if r.status != 302 || r.header.Get("Location") != "https://app.example/#/verified" {
		t.Fatalf("right code: %d %v", r.status, r.header)
	}
	if u, _ := e.store.User(context.Background(), "ann@example.com"); u.Status != todo.StatusVerified {
		t.Fatal("the form did not verify")
	}
	e.want(e.do("POST", "/verify", "", "email=a", "Content-Type", "text/plain"), 415, todo.UnsupportedMedia)
	e.want(form("email="+strings.Repeat("a", api.MaxBodyBytes)), 413, todo.TooLarge)
}

func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// TestPerIPBudgets: sign-up and verify have a budget per client IP; a
// request past it is 429 with Retry-After, and another IP is not affected.
func TestPerIPBudgets(t *testing.T) {
	e := newEnv(t)
	e.srv.Limiter = &limit.Limiter{Store: e.store}
	e.srv.PerIP = map[string]limit.Budget{"register": {Max: 3, Window: time.Minute}, "verify": {Max: 2, Window: time.Minute}}
	e.h = e.srv.Handler(e.fns...)
	for i := range 3 {
		e.want(e.do("POST", "/register", "", map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "password": "correct horse battery"}), 202, "")
	}
	r := e.do("POST", "/register", "", map[string]string{"email": "u9@example.com", "password": "correct horse battery"})
	e.want(r, 429, todo.RateLimited)
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 1 || ra > 60 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	other := e.do("POST", "/register", "", map[string]string{"email": "u9@example.com", "password": "correct horse battery"}, "X-Test-Remote", "198.51.100.7:1")
	e.want(other, 202, "")
	for range 2 {
		e.want(e.do("POST", "/verify", "", map[string]string{"email": "u0@example.com", "code": "000000", "password": "correct horse battery"}), 400, todo.InvalidCode)
	}
	e.want(e.do("POST", "/verify", "", map[string]string{"email": "u0@example.com", "code": "000000", "password": "correct horse battery"}), 429, todo.RateLimited)
}

func TestLoginErrors(t *testing.T) {
	e := newEnv(t)
	e.signUp("ann@example.com")
	e.do("POST", "/register", "", map[string]string{"email": "pending@example.com", "password": "correct horse battery"})

	wrong := e.do("POST", "/login", "", map[string]string{"email": "ann@example.com", "password": "wrong-pass"})
	unknown := e.do("POST", "/login", "", map[string]string{"email": "nobody@example.com", "password": "wrong-pass"})
	e.want(wrong, 401, todo.InvalidCredentials)
	e.want(unknown, 401, todo.InvalidCredentials)
	if wrong.raw != unknown.raw {
		t.Fatalf("wrong password %q and unknown address %q answer differently", wrong.raw, unknown.raw)
	}
	e.want(e.do("POST", "/login", "", map[string]string{"email": "pending@example.com", "password": "correct horse battery"}), 403, todo.EmailNotVerified)

	for range 4 {
		e.do("POST", "/login", "", map[string]string{"email": "ann@example.com", "password": "wrong-pass"})
	}
	r := e.do("POST", "/login", "", map[string]string{"email": "ann@example.com", "password": "correct horse battery"})
	e.want(r, 429, todo.RateLimited)
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	if strings.Contains(e.logs.String(), "correct horse battery") || strings.Contains(e.logs.String(), "wrong-pass") {
		t.Fatal("a password reached the log")
	}
}

func TestTodoAuth(t *testing.T) {
	e := newEnv(t)
	good := e.signUp("ann@example.com")
	otherKey, _ := keyset.Generate("k1") // the same kid, another key
	other, _ := auth.NewIssuer(auth.IssuerConfig{Keys: []keyset.SigningKey{otherKey}, Issuer: "todofn", Audience: "todofn-api"})
	forged, _, _ := other.Issue("someone", "some-session")
	for _, tt := range []struct{ name, header string }{
		{"missing", ""},
		{"not bearer", "Basic " + good},
		{"empty bearer", "Bearer "},
		{"garbage", "Bearer abc.def.ghi"},
		{"wrong key", "Bearer " + forged},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", "/todos", "", nil, "Authorization", tt.header)
			e.want(r, 401, todo.Unauthorized)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	e.want(e.do("GET", "/todos", "", nil, "Authorization", "bearer "+good), 200, "")
}

func TestTodos(t *testing.T) {
	e := newEnv(t)
	ann := e.signUp("ann@example.com")
	bob := e.signUp("bob@example.com")

	r := e.do("POST", "/todos", ann, map[string]any{"title": "  Buy milk  "})
	e.want(r, 201, "")
	id := r.body["id"].(string)
	if r.body["title"] != "Buy milk" || r.body["done"] != false || r.header.Get("Location") != "/todos/"+id {
		t.Fatalf("created %v %v", r.body, r.header)
	}

	// Idempotency: same key, same body -> same todo; other body -> 422.
	first := e.do("POST", "/todos", ann, map[string]any{"title": "Once"}, "Idempotency-Key", "k-1")
	again := e.do("POST", "/todos", ann, map[string]any{"title": "Once"}, "Idempotency-Key", "k-1")
	e.want(first, 201, "")
	e.want(again, 201, "")
	if first.body["id"] != again.body["id"] || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry made another todo: %v vs %v", first.body, again.body)
	}
	e.want(e.do("POST", "/todos", ann, map[string]any{"title": "Other"}, "Idempotency-Key", "k-1"), 422, todo.IdempotencyKeyReused)
	// The same key from another user is another key.
	if r := e.do("POST", "/todos", bob, map[string]any{"title": "Once"}, "Idempotency-Key", "k-1"); r.body["id"] == first.body["id"] {
		t.Fatal("idempotency keys are shared between users")
	}
	e.want(e.do("POST", "/todos", ann, map[string]any{"title": "x"}, "Idempotency-Key", "bad key"), 400, todo.Invalid)

	for _, tt := range []struct {
		name string
		body any
	}{
		{"no title", map[string]any{"done": true}},
		{"blank title", map[string]any{"title": "   "}},
		{"long title", map[string]any{"title": strings.Repeat("长", 501)}},
		{"control char", map[string]any{"title": "a\u0000b"}},
		{"newline", map[string]any{"title": "a\nb"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/todos", ann, tt.body)
			e.want(r, 422, todo.ValidationFailed)
			if r.errField() != "title" {
				t.Fatalf("field = %q", r.errField())
			}
		})
	}
	e.want(e.do("POST", "/todos", ann, map[string]any{"title": strings.Repeat("长", 500)}), 201, "")

	// Update and ownership.
	r = e.do("PATCH", "/todos/"+id, ann, map[string]any{"done": true})
	e.want(r, 200, "")
	if r.body["done"] != true || r.body["title"] != "Buy milk" {
		t.Fatalf("patched %v", r.body)
	}
	e.want(e.do("PATCH", "/todos/"+id, ann, map[string]any{}), 422, todo.ValidationFailed)
	e.want(e.do("PATCH", "/todos/"+id, bob, map[string]any{"title": "mine"}), 404, todo.NotFound)
	e.want(e.do("DELETE", "/todos/"+id, bob, nil), 404, todo.NotFound)
	e.want(e.do("PATCH", "/todos/not-an-id", ann, map[string]any{"done": true}), 404, todo.NotFound)
	e.want(e.do("PUT", "/todos/"+id, ann, map[string]any{"done": true}), 405, todo.MethodNotAllowed)
	if r := e.do("DELETE", "/todos/"+id, ann, nil); r.status != 204 || r.raw != "" {
		t.Fatalf("delete: %d %q", r.status, r.raw)
	}
	e.want(e.do("DELETE", "/todos/"+id, ann, nil), 404, todo.NotFound)
}

// TestTodoQuotaAndWriteBudget: a full list answers 409 quota_exceeded, a
// spent write budget 429 with Retry-After, and a replay after a delete the
// first answer, byte for byte.
func TestTodoQuotaAndWriteBudget(t *testing.T) {
	e := newEnv(t)
	ann := e.signUp("ann@example.com")
	td := &todolist.Service{Todos: e.store, Claims: e.store, Throttles: e.store,
		Quota: 2, Writes: limit.Budget{Max: 4, Window: time.Minute}}
	e.h = e.srv.Handler(e.srv.ListTodos(td), e.srv.AddTodo(td), e.srv.UpdateTodo(td), e.srv.DeleteTodo(td))

	first := e.do("POST", "/todos", ann, map[string]any{"title": "Once"}, "Idempotency-Key", "k-1")
	e.want(first, 201, "")
	e.want(e.do("POST", "/todos", ann, map[string]any{"title": "Two"}), 201, "")
	full := e.do("POST", "/todos", ann, map[string]any{"title": "Three"})
	e.want(full, 409, todo.QuotaExceeded)
	if !strings.Contains(full.raw, "2 todos") {
		t.Fatalf("the quota's message does not say it: %s", full.raw)
	}
	id := first.body["id"].(string)
	e.want(e.do("DELETE", "/todos/"+id, ann, nil), 204, "")
	again := e.do("POST", "/todos", ann, map[string]any{"title": "Once"}, "Idempotency-Key", "k-1")
	e.want(again, 201, "")
	if again.raw != first.raw || again.header.Get("Idempotent-Replayed") != "true" || again.header.Get("Location") != "/todos/"+id {
		t.Fatalf("replay after the delete: %s %v; first: %s", again.raw, again.header, first.raw)
	}
	if r := e.do("GET", "/todos", ann, nil); len(r.body["items"].([]any)) != 1 {
		t.Fatalf("the replay brought the deleted todo back: %s", r.raw)
	}

	r := e.do("PATCH", "/todos/"+id, ann, map[string]any{"done": true}) // the fifth write: the replay was free
	e.want(r, 429, todo.RateLimited)
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	e.want(e.do("GET", "/todos", ann, nil), 200, "") // reads are not writes
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	ann := e.signUp("ann@example.com")
	bob := e.signUp("bob@example.com")
	var want []string
	for i := range 5 {
		r := e.do("POST", "/todos", ann, map[string]any{"title": strings.Repeat("t", i+1)})
		want = append([]string{r.body["id"].(string)}, want...)
	}
	var got []string
	cursor := ""
	for range 10 {
		path := "/todos?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.do("GET", path, ann, nil)
		e.want(r, 200, "")
		for _, it := range r.body["items"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		next, _ := r.body["nextCursor"].(string)
		if next == "" {
			if _, present := r.body["nextCursor"]; !present {
				t.Fatal("nextCursor missing on the last page; want null")
			}
			break
		}
		cursor = next
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged %v, want %v", got, want)
	}

	r := e.do("GET", "/todos?limit=2", ann, nil)
	c := r.body["nextCursor"].(string)
	tampered := c[:len(c)-2] + "AA"
	if tampered == c {
		tampered = c[:len(c)-2] + "BB"
	}
	e.want(e.do("GET", "/todos?cursor="+tampered, ann, nil), 400, todo.InvalidCursor)
	e.want(e.do("GET", "/todos?cursor="+c, bob, nil), 400, todo.InvalidCursor)
	e.want(e.do("GET", "/todos?cursor=garbage", ann, nil), 400, todo.InvalidCursor)
	for _, l := range []string{"0", "101", "x", "-1"} {
		e.want(e.do("GET", "/todos?limit="+l, ann, nil), 400, todo.Invalid)
	}
	if r := e.do("GET", "/todos", bob, nil); len(r.body["items"].([]any)) != 0 {
		t.Fatalf("Bob sees %v", r.body["items"])
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	pre := func(origin string) http.Header {
		r := httptest.NewRequest("OPTIONS", "/todos", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code >= 300 {
			t.Fatalf("preflight status %d", w.Code)
		}
		return w.Header()
	}
	h := pre("https://app.example")
	if h.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "idempotency-key") {
		t.Fatalf("allowed origin preflight: %v", h)
	}
	if h := pre("https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin allowed: %v", h)
	}
	// With no origins configured, none is allowed (not "*").
	e.srv.AllowedOrigins = nil
	e.h = e.srv.Handler(e.fns...)
	if h := pre("https://app.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no origins configured, yet allowed: %v", h)
	}
}

func TestPanicIsA500WithoutDetails(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler(e.srv.Register(panicking{}))
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/register", strings.NewReader(`{"email":"a@example.com","password":"x"}`))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(w, r)
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret detail") || !strings.Contains(w.Body.String(), `"code":"internal"`) {
		t.Fatalf("panic answer: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(e.logs.String(), "secret detail") || !strings.Contains(e.logs.String(), "request_id") {
		t.Fatalf("panic not logged with the request id: %s", e.logs)
	}
}

// panicking is a Registrar whose every call panics with a secret.
type panicking struct{}

func (panicking) Register(context.Context, string, string, string) error { panic("secret detail") }

// TestEveryFunctionHasEveryRouteHandler checks Server.All against the
// route table: each HTTP function, in table order, with a handler for
// exactly the methods of its routes.
func TestEveryFunctionHasEveryRouteHandler(t *testing.T) {
	e := newEnv(t)
	got := map[string][]string{}
	for i, f := range e.fns {
		got[f.Name] = f.Methods()
		if http := route.HTTPFunctions(); i >= len(http) || http[i].Name != f.Name {
			t.Errorf("function %d is %s, not the route table's", i, f.Name)
		}
	}
	for _, f := range route.HTTPFunctions() {
		var want []string
		for _, r := range f.Routes {
			want = append(want, r.Method)
		}
		slices.Sort(want)
		if !slices.Equal(got[f.Name], want) {
			t.Errorf("%s: handlers for %v, routes %v", f.Name, got[f.Name], want)
		}
		delete(got, f.Name)
	}
	if len(got) > 0 {
		t.Errorf("handlers of functions the route table lacks: %v", got)
	}
}

// BenchmarkTodoRoutes measures the handler path of the hot routes (JWT
// check, strict JSON, store) on the embedded store, without the network,
// with the request line written as JSON (pkg/metrics, to io.Discard, as a
// deployment's goes to its log pipe). list50 is GET /todos with 50 of 60 todos and the
// counts, with the token cache warm (as every request after a client's
// first); list50-cold turns the cache off, so each call checks the ES256
// signature; list50-session adds the session read the deployed functions
// make (apiserver.New sets Server.Sessions); list50-nolog drops the log
// line, so list50 minus it is what the line costs.
func BenchmarkTodoRoutes(b *testing.B) {
	e := newEnv(b)
	token := e.signUp("bench@example.com")
	for range 60 {
		e.do("POST", "/todos", token, map[string]any{"title": "seed"})
	}
	e.srv.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	e.srv.Requests = metrics.New(metrics.Config{Format: metrics.JSON, Out: io.Discard})
	run := func(method, path string, body string) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var rd io.Reader
				if body != "" {
					rd = strings.NewReader(body)
				}
				r := httptest.NewRequest(method, path, rd)
				r.Header.Set("Authorization", "Bearer "+token)
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				e.h.ServeHTTP(w, r)
				if w.Code >= 300 {
					b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
				}
			}
		}
	}
	// with runs f with the server changed by set, then puts it back.
	with := func(set func(*api.Server), f func(*testing.B)) func(*testing.B) {
		return func(b *testing.B) {
			saved := *e.srv
			set(e.srv)
			defer func() { *e.srv = saved }()
			f(b)
		}
	}
	list := run("GET", "/todos", "")
	cold, err := auth.NewVerifier(auth.VerifierConfig{Keys: []keyset.PublicKey{e.key.Public()},
		Issuer: "todofn", Audience: "todofn-api", CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("list50", list)
	b.Run("list50-cold", with(func(s *api.Server) { s.Tokens = cold }, list))
	b.Run("list50-session", with(func(s *api.Server) { s.Sessions = e.store }, list))
	b.Run("list50-nolog", with(func(s *api.Server) { s.Requests = nil }, list))
	b.Run("add", run("POST", "/todos", `{"title":"Buy milk"}`))

	// add-limits is an add as deployed: with an Idempotency-Key, the
	// owner's write budget and todo quota on the same store.
	limited := e.srv.Handler(e.srv.AddTodo(&todolist.Service{Todos: e.store, Claims: e.store, Throttles: e.store,
		Quota: 1 << 30, Writes: limit.Budget{Max: 1 << 30, Window: time.Minute}}))
	b.Run("add-limits", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			r := httptest.NewRequest("POST", "/todos", strings.NewReader(`{"title":"Buy milk"}`))
			r.Header.Set("Authorization", "Bearer "+token)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(n))
			w := httptest.NewRecorder()
			limited.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				b.Fatalf("add: %d %s", w.Code, w.Body)
			}
		}
	})
}

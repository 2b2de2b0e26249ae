// Package e2e runs the built binaries over real HTTP: the local server with
// every route, and each function binary on its own port in plain-HTTP mode
// (sharing one embedded store file, the mailer following its change feed).
// Nothing is simulated: real processes, real sockets, real files.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/internal/mailboxtest"
	"github.com/todofn/todofn/internal/proctest"
	"github.com/todofn/todofn/pkg/route"
)

var binDir string

// functions are every function of the route table, HTTP ones first.
var functions = route.Names(route.All())

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "todofn-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	pkgs := []string{"../cmd/local"}
	for _, f := range functions {
		pkgs = append(pkgs, "../functions/"+f)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pkgs))
	for i, p := range pkgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command("go", "build", "-o", filepath.Join(dir, filepath.Base(p)), p).CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("build %s: %v\n%s", p, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	dynalitetest.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) string {
	t.Helper()
	return fmt.Sprint(proctest.FreePort(t))
}

// start runs a built binary (internal/devstack) with env added to a clean
// environment and stops it when the test ends; its output goes to the test
// log on failure.
func start(t *testing.T, name, port string, env ...string) string {
	t.Helper()
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	s, err := devstack.StartServer(context.Background(), devstack.ServerOptions{Name: name, Bin: filepath.Join(binDir, name), Port: p, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("--- %s output:\n%s", name, s.Output())
		}
	})
	return s.URL
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r response) code() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func call(t *testing.T, method, url, token string, body any, hdr ...string) response {
	t.Helper()
	return callVia(t, client, method, url, token, body, hdr...)
}

// callVia is call through c (bound to another client address, say).
func callVia(t *testing.T, c *http.Client, method, url, token string, body any, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

func want(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.Status != status || r.code() != code {
		t.Fatalf("got %d %s; want %d %q", r.Status, r.Raw, status, code)
	}
}

// system is what the flow talks to: each function's base URL and a way to
// read the mail sent to an address.
type system struct {
	url  map[string]string
	mail func(t *testing.T, to string, n int) []mailboxtest.Message
}

func (s system) u(fn, path string) string { return s.url[fn] + path }

var (
	codePattern = regexp.MustCompile(`verification code is (\d{6})`)
	linkPattern = regexp.MustCompile(`https?://\S+/verify\?\S+`)
)

// isSignUpNotice reports whether m is the "someone tried to sign up" notice.
func isSignUpNotice(m mailboxtest.Message) bool {
	return strings.Contains(m.Subject, "tried to sign up")
}

// runFlow is the whole user journey and its error cases.
func runFlow(t *testing.T, s system, appURL string) {
	ann := "ann.e2e@example.com"
	want(t, call(t, "POST", s.u("register", "/register"), "", map[string]string{"email": ann, "password": "correct horse", "name": "Ann"}), 202, "")
	want(t, call(t, "POST", s.u("register", "/register"), "", `{"email":`), 400, "invalid_request")
	want(t, call(t, "POST", s.u("register", "/register"), "", `{}`, "Content-Type", "text/plain"), 415, "unsupported_media_type")
	want(t, call(t, "POST", s.u("register", "/register"), "", map[string]string{"email": "x", "password": "correct horse"}), 422, "validation_failed")
	want(t, call(t, "GET", s.u("register", "/register"), "", nil), 405, "method_not_allowed")

	msgs := s.mail(t, ann, 1)
	m := codePattern.FindStringSubmatch(msgs[0].Text)
	link := linkPattern.FindString(msgs[0].Text)
	if m == nil || link == "" {
		t.Fatalf("mail has no code or link:\n%s", msgs[0].Text)
	}
	want(t, call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": ann, "password": "correct horse"}), 403, "email_not_verified")
	want(t, call(t, "POST", s.u("verify", "/verify"), "", map[string]string{"email": ann, "code": "000000", "password": "correct horse"}), 400, "invalid_code")

	// The mailed link opens the web app's confirm page; it changes nothing
	// by itself. Links in older mails point at the verify function, whose
	// GET (and HEAD) only redirects to that page.
	if !strings.HasPrefix(link, appURL+"#/verify?") {
		t.Fatalf("the mailed link %s does not open %s#/verify", link, appURL)
	}
	for _, method := range []string{"GET", "HEAD"} {
		r := call(t, method, s.u("verify", "/verify"+link[strings.Index(link, "?"):]), "", nil)
		if r.Status != 302 || r.Header.Get("Location") != link {
			t.Fatalf("%s /verify: %d %v, want 302 to %s", method, r.Status, r.Header, link)
		}
	}
	want(t, call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": ann, "password": "correct horse"}), 403, "email_not_verified")
	want(t, call(t, "POST", s.u("verify", "/verify"), "", map[string]string{"email": ann, "code": m[1], "password": "correct horse"}), 200, "")

	wrong := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": ann, "password": "wrong horse"})
	unknown := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": "nobody@example.com", "password": "wrong horse"})
	want(t, wrong, 401, "invalid_credentials")
	if wrong.Raw != unknown.Raw {
		t.Fatalf("unknown address answers %q, wrong password %q", unknown.Raw, wrong.Raw)
	}
	login := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": " ANN.e2e@Example.com", "password": "correct horse"})
	want(t, login, 200, "")
	token := login.Body["accessToken"].(string)
	if login.Body["tokenType"] != "Bearer" || login.Body["expiresIn"].(float64) != 600 || login.Body["user"].(map[string]any)["email"] != ann {
		t.Fatalf("login body %s", login.Raw)
	}

	// Todos.
	r := call(t, "GET", s.u("todos-list", "/todos"), "", nil)
	want(t, r, 401, "unauthorized")
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatal("401 without WWW-Authenticate")
	}
	want(t, call(t, "GET", s.u("todos-list", "/todos"), token+"x", nil), 401, "unauthorized")
	var ids []string
	for i, title := range []string{"Buy milk", "写报告", "Call Bob"} {
		r := call(t, "POST", s.u("todos-add", "/todos"), token, map[string]any{"title": title}, "Idempotency-Key", fmt.Sprint("e2e-", i))
		want(t, r, 201, "")
		ids = append(ids, r.Body["id"].(string))
	}
	again := call(t, "POST", s.u("todos-add", "/todos"), token, map[string]any{"title": "Call Bob"}, "Idempotency-Key", "e2e-2")
	if again.Status != 201 || again.Body["id"] != ids[2] {
		t.Fatalf("retry with the same Idempotency-Key: %d %s", again.Status, again.Raw)
	}
	want(t, call(t, "POST", s.u("todos-add", "/todos"), token, map[string]any{"title": strings.Repeat("x", 501)}), 422, "validation_failed")

	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		q := "/todos?limit=2"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		r := call(t, "GET", s.u("todos-list", q), token, nil)
		want(t, r, 200, "")
		for _, it := range r.Body["items"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		next, _ := r.Body["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if strings.Join(got, ",") != strings.Join([]string{ids[2], ids[1], ids[0]}, ",") {
		t.Fatalf("list %v, want newest first %v", got, ids)
	}
	want(t, call(t, "GET", s.u("todos-list", "/todos?cursor=AAAA.BBBB"), token, nil), 400, "invalid_cursor")
	want(t, call(t, "GET", s.u("todos-list", "/todos?limit=500"), token, nil), 400, "invalid_request")

	r = call(t, "PATCH", s.u("todos-update", "/todos/"+ids[0]), token, map[string]any{"done": true, "title": "Buy oat milk"})
	want(t, r, 200, "")
	if r.Body["done"] != true || r.Body["title"] != "Buy oat milk" {
		t.Fatalf("patched %s", r.Raw)
	}
	want(t, call(t, "PATCH", s.u("todos-update", "/todos/01ARZ3NDEKTSV4RRFFQ69G5FAV"), token, map[string]any{"done": true}), 404, "not_found")
	oddIDs(t, s, token, ids[0])
	if r := call(t, "DELETE", s.u("todos-delete", "/todos/"+ids[1]), token, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	want(t, call(t, "DELETE", s.u("todos-delete", "/todos/"+ids[1]), token, nil), 404, "not_found")
	listFlow(t, s, token)
	bulkFlow(t, s)

	// Another user sees none of it.
	bob := "bob.e2e@example.com"
	call(t, "POST", s.u("register", "/register"), "", map[string]string{"email": bob, "password": "bobs password"})
	bm := codePattern.FindStringSubmatch(s.mail(t, bob, 1)[0].Text)
	want(t, call(t, "POST", s.u("verify", "/verify"), "", map[string]string{"email": bob, "code": bm[1], "password": "bobs password"}), 200, "")
	bobToken := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": bob, "password": "bobs password"}).Body["accessToken"].(string)
	if r := call(t, "GET", s.u("todos-list", "/todos"), bobToken, nil); len(r.Body["items"].([]any)) != 0 {
		t.Fatalf("Bob sees %s", r.Raw)
	}
	want(t, call(t, "PATCH", s.u("todos-update", "/todos/"+ids[0]), bobToken, map[string]any{"done": false}), 404, "not_found")
	want(t, call(t, "DELETE", s.u("todos-delete", "/todos/"+ids[0]), bobToken, nil), 404, "not_found")

	// Signing up again with a verified address: same answer, and its owner
	// is told.
	want(t, call(t, "POST", s.u("register", "/register"), "", map[string]string{"email": ann, "password": "attacker pass"}), 202, "")
	// Mail goes out at least once (a mail whose acceptance the mailer could
	// not confirm is sent again), so the notice is looked for among the
	// mails as they arrive, not at a fixed place.
	var notice []mailboxtest.Message
	for n := 2; n <= 4 && !slices.ContainsFunc(notice, isSignUpNotice); n++ {
		notice = s.mail(t, ann, n)
	}
	if !slices.ContainsFunc(notice, isSignUpNotice) {
		t.Fatalf("no notice mail: %+v", notice)
	}
	if len(notice) > 2 {
		t.Logf("ann got %d mails before the notice (a code mail sent twice)", len(notice)-1)
	}
	want(t, call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": ann, "password": "attacker pass"}), 401, "invalid_credentials")

	// CORS preflight from the web app's origin.
	req, _ := http.NewRequest("OPTIONS", s.u("todos-add", "/todos"), nil)
	req.Header.Set("Origin", "http://app.e2e.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "http://app.e2e.example" {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}

	runSessionFlow(t, s)
}

// dirMail reads the dev sink's .eml files, waiting for n mails to `to`.
func dirMail(dir string) func(t *testing.T, to string, n int) []mailboxtest.Message {
	return func(t *testing.T, to string, n int) []mailboxtest.Message {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			all, err := mailboxtest.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var mine []mailboxtest.Message
			for _, m := range all {
				if strings.Contains(m.To, to) {
					mine = append(mine, m)
				}
			}
			if len(mine) >= n {
				return mine
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d mails to %s after 15s, want %d", len(mine), to, n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func TestLocalServer(t *testing.T) {
	data := t.TempDir()
	port := freePort(t)
	origin := "http://127.0.0.1:" + port
	base := start(t, "local", port, "DATA_DIR="+data, "APP_URL="+origin+"/",
		"ALLOWED_ORIGINS=http://app.e2e.example", "WEB_DIR="+filepath.Join("..", "web"))
	if base != origin {
		t.Fatalf("listening on %s, want %s", base, origin)
	}
	if r := call(t, "GET", base+"/healthz", "", nil); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
	r := call(t, "GET", base+"/config.json", "", nil)
	fns, _ := r.Body["functions"].(map[string]any)
	if r.Status != 200 || fns["todos-add"] != origin {
		t.Fatalf("config.json: %s", r.Raw)
	}
	urls := map[string]string{}
	for _, f := range functions {
		urls[f] = base
	}
	runFlow(t, system{url: urls, mail: dirMail(filepath.Join(data, "mail"))}, origin+"/")

	// The dev mailbox page and its JSON.
	if r := call(t, "GET", base+"/_dev/mail.json", "", nil); r.Status != 200 || !strings.Contains(r.Raw, "ann.e2e@example.com") {
		t.Fatalf("mailbox: %d %s", r.Status, r.Raw)
	}
	// The dev JWT key was generated and kept.
	if st, err := os.Stat(filepath.Join(data, "dev-secrets.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("dev secrets: %v %v", st, err)
	}
}

func TestFunctionBinaries(t *testing.T) {
	data := t.TempDir()
	appURL := "http://app.e2e.example/"
	// Ports first: the verify URL goes into every function's environment.
	ports := map[string]string{}
	for _, f := range functions {
		ports[f] = freePort(t)
	}
	verifyURL := "http://127.0.0.1:" + ports["verify"] + "/verify"
	urls := map[string]string{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, f := range functions {
		env := []string{"DATA_DIR=" + data, "BOLT_SHARED=1", "APP_URL=" + appURL, "VERIFY_URL=" + verifyURL,
			"ALLOWED_ORIGINS=http://app.e2e.example", "LOG_FORMAT=json"}
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := start(t, f, ports[f], env...)
			mu.Lock()
			urls[f] = u
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Each function serves exactly its own route.
	want(t, call(t, "GET", urls["register"]+"/todos", "", nil), 404, "not_found")
	want(t, call(t, "POST", urls["todos-list"]+"/todos", "", map[string]string{}), 405, "method_not_allowed")
	want(t, call(t, "GET", urls["login"]+"/login", "", nil), 405, "method_not_allowed")
	runFlow(t, system{url: urls, mail: dirMail(filepath.Join(data, "mail"))}, appURL)
}

func itoa(n int) string { return fmt.Sprint(n) }

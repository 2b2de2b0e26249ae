package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/session.traffic.jsonl from a fresh recording")

// bins are cmd/local and cmd/traffic, built once for the package's tests.
var bins struct {
	once          sync.Once
	local, export string
	err           error
}

func built(t *testing.T) (local, export string) {
	t.Helper()
	bins.once.Do(func() {
		dir, err := os.MkdirTemp("", "todofn-replay-test-")
		if err != nil {
			bins.err = err
			return
		}
		bins.local, bins.export = filepath.Join(dir, "local"), filepath.Join(dir, "traffic")
		for pkg, out := range map[string]string{"../local": bins.local, "../traffic": bins.export} {
			if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
				bins.err = fmt.Errorf("build %s: %v\n%s", pkg, err, b)
			}
		}
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.local, bins.export
}

// client plays a person's session against one server.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path string, body any, hdr ...string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func (c *client) mailedCode(email string, n int) string {
	c.t.Helper()
	in := newInstance("recording", c.base)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if codes := in.mailedCodes(email); len(codes) >= n {
			return codes[0]
		}
	}
	c.t.Fatalf("no code mail %d to %s", n, email)
	return ""
}

// secrets of the scripted session, which the log must never show.
const (
	email    = "ann.replay@example.com"
	password = "correct horse battery"
	newPass  = "another long secret"
)

// script is one whole session: sign-up (a weak password refused, a wrong
// code refused), log-in, todos (idempotent add, paging, done, delete),
// refresh, password reset through the mailbox, log-out. It returns the
// codes and tokens it saw (cursors are not secret: they are recorded).
func script(c *client) []string {
	t := c.t
	want := func(what string, got, status int) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: %d, want %d", what, got, status)
		}
	}
	s, _ := c.do("POST", "/register", map[string]string{"email": email, "password": "short"})
	want("weak password", s, 422)
	s, _ = c.do("POST", "/register", map[string]string{"email": email, "password": password, "name": "Ann"})
	want("register", s, 202)
	code := c.mailedCode(email, 1)
	s, _ = c.do("POST", "/verify", map[string]string{"email": email, "code": wrongCode(code), "password": password})
	want("wrong code", s, 400)
	s, _ = c.do("POST", "/verify", map[string]string{"email": email, "code": code, "password": password})
	want("verify", s, 200)
	s, _ = c.do("POST", "/login", map[string]string{"email": email, "password": newPass})
	want("wrong password", s, 401)
	s, login := c.do("POST", "/login", map[string]string{"email": email, "password": password})
	want("login", s, 200)
	c.token, _ = login["accessToken"].(string)
	refresh, _ := login["refreshToken"].(string)
	s, first := c.do("POST", "/todos", map[string]any{"title": "Buy milk"}, "Idempotency-Key", "k-1")
	want("add", s, 201)
	s, _ = c.do("POST", "/todos", map[string]any{"title": "Buy milk"}, "Idempotency-Key", "k-1")
	want("add again", s, 201)
	s, _ = c.do("POST", "/todos", map[string]any{"title": "Call Bob", "done": true})
	want("add done", s, 201)
	s, page := c.do("GET", "/todos?limit=1", nil)
	want("list", s, 200)
	cursor, _ := page["nextCursor"].(string)
	s, _ = c.do("GET", "/todos?limit=1&cursor="+cursor, nil)
	want("next page", s, 200)
	id, _ := first["id"].(string)
	s, _ = c.do("PATCH", "/todos/"+id, map[string]any{"done": true})
	want("done", s, 200)
	s, _ = c.do("DELETE", "/todos/"+id, nil)
	want("delete", s, 204)
	s, _ = c.do("DELETE", "/todos/"+id, nil)
	want("delete again", s, 404)
	s, _ = c.do("GET", "/todos", nil)
	want("list the rest", s, 200)
	token := c.token
	c.token = ""
	s, renewed := c.do("POST", "/refresh", map[string]string{"refreshToken": refresh})
	want("refresh", s, 200)
	s, _ = c.do("GET", "/todos", nil)
	want("no token", s, 401)
	s, _ = c.do("POST", "/password/forgot", map[string]string{"email": email})
	want("forgot", s, 202)
	reset := c.mailedCode(email, 2)
	s, _ = c.do("POST", "/password/reset", map[string]string{"email": email, "code": reset, "password": newPass})
	want("reset", s, 200)
	s, login = c.do("POST", "/login", map[string]string{"email": email, "password": newPass})
	want("login after reset", s, 200)
	c.token, _ = login["accessToken"].(string)
	s, _ = c.do("POST", "/logout", map[string]string{"scope": "global"})
	want("logout", s, 204)
	r1, _ := renewed["refreshToken"].(string)
	return []string{code, reset, token, refresh, r1, c.token}
}

// record runs the script against a local server with TRAFFIC_SAMPLE=1 and
// turns its log into a traffic file with cmd/traffic; it checks that the
// log shows none of the session's secrets.
func record(t *testing.T) string {
	t.Helper()
	local, export := built(t)
	dir := t.TempDir()
	srv, err := start(local, filepath.Join(dir, "data"), []string{"TRAFFIC_SAMPLE=1"})
	if err != nil {
		t.Fatal(err)
	}
	seen := script(&client{t: t, base: srv.url})
	srv.stop()
	log := srv.out.String() // the traffic lines, and the mails the dev sink prints
	var lines []string
	for l := range strings.Lines(log) {
		if strings.Contains(l, `"msg":"traffic"`) {
			lines = append(lines, l)
		}
	}
	for _, secret := range append(seen, email, password, newPass) {
		if secret != "" && strings.Contains(strings.Join(lines, ""), secret) {
			t.Fatalf("the recording shows %q", secret)
		}
	}
	traffic := filepath.Join(dir, "session.traffic.jsonl")
	cmd := exec.Command(export, "-o", traffic)
	cmd.Stdin = strings.NewReader(log)
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "21 exchanges in 2 sessions") {
		t.Fatalf("cmd/traffic: %v %s\nlog:\n%s", err, b, log)
	}
	if *update {
		b, _ := os.ReadFile(traffic)
		if err := os.WriteFile("testdata/session.traffic.jsonl", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return traffic
}

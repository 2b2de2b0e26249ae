package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/benchtest"
	"github.com/todofn/todofn/internal/devstack"
)

// localTags are make run's: the local server without the cloud engines
// and runtimes (the Makefile's LOCAL_TAGS).
const localTags = "no_dynamodb,no_tablestore,no_fc"

// startLocal builds (once, into bin) and runs the local server on the
// embedded store in a fresh data folder with the per-IP budgets off and
// the per-user write budget out of reach, as a load test runs it; the
// access log stays on (one line per request is part of the hot path). A
// non-nil log file takes the server's log (its standard error) instead of
// the bench's own process, as a deployment's log file would.
func startLocal(ctx context.Context, bin, data string, log *os.File, env ...string) (*devstack.Server, error) {
	return devstack.StartServer(ctx, devstack.ServerOptions{Name: filepath.Base(bin), Bin: bin, Health: "/healthz", Stderr: log, Env: append([]string{
		"DATA_DIR=" + data, "RATE_LIMITS=off", "USER_WRITE_LIMIT=1000000/1s", "LOGIN_ACCOUNT_LIMIT=off", "APP_URL=http://127.0.0.1/",
	}, env...)})
}

// throughput loads GET /todos (50 todos, authenticated) on the local
// server, the bare net/http floor and the Express reference, each for
// o.duration in four interleaved quarters after a short warm-up; and a second
// local server on a copy of the same data with LOG_LEVEL=warn (no access
// log line), so that what the log line costs shows as a ratio.
func throughput(ctx context.Context, o options, r *report) error {
	localBin := filepath.Join(o.work, "local")
	if err := goBuild(ctx, o.root, localTags, localBin, "./cmd/local"); err != nil {
		return err
	}
	floorBin := filepath.Join(o.work, "floor-http")
	if err := goBuild(ctx, o.root, "", floorBin, "./bench/floor-http"); err != nil {
		return err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if _, err := os.Stat(filepath.Join(o.root, "node_modules", "express")); err != nil {
		return fmt.Errorf("express is not installed: run make tools (npm install): %w", err)
	}
	data, err := os.MkdirTemp(o.work, "throughput-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)

	local, err := startLocal(ctx, localBin, data, nil)
	if err != nil {
		return err
	}
	defer local.Stop()
	c, err := benchtest.SignUp(ctx, local.URL, "throughput@example.com", "a long bench password", nil)
	if err != nil {
		return err
	}
	for i := range 50 {
		if _, err := c.Expect(ctx, []int{201}, "POST", "/todos", map[string]any{"title": fmt.Sprintf("todo number %d of the throughput run", i)}); err != nil {
			return err
		}
	}
	page, err := c.Expect(ctx, []int{200}, "GET", "/todos", nil)
	if err != nil {
		return err
	}
	todos := filepath.Join(data, "todos.json")
	if err := os.WriteFile(todos, page.Body, 0o600); err != nil {
		return err
	}
	jwks, err := c.Expect(ctx, []int{200}, "GET", "/.well-known/jwks.json", nil)
	if err != nil {
		return err
	}

	// Two copies of the same store and keys, one served with the request
	// lines and one with LOG_LEVEL=warn, so that neither runs on the
	// seeding server's file (an A/A run of that arrangement gave 0.95 ×):
	// the server stops while its data folder is copied.
	local.Stop()
	loggedData, quietData := data+"-logged", data+"-quiet"
	for _, d := range []string{loggedData, quietData} {
		if err := os.CopyFS(d, os.DirFS(data)); err != nil {
			return err
		}
		defer os.RemoveAll(d)
	}
	// Both servers log to a file, not to this process: reading a pipe of
	// 30,000 lines a second here would take the CPU the load generator and
	// the servers share, and charge it to the logged server alone.
	loggedLog, err := os.Create(filepath.Join(o.work, "throughput-logged.log"))
	if err != nil {
		return err
	}
	defer loggedLog.Close()
	quietLog, err := os.Create(filepath.Join(o.work, "throughput-quiet.log"))
	if err != nil {
		return err
	}
	defer quietLog.Close()
	local, err = startLocal(ctx, localBin, loggedData, loggedLog)
	if err != nil {
		return err
	}
	defer local.Stop()
	quiet, err := startLocal(ctx, localBin, quietData, quietLog, "LOG_LEVEL=warn")
	if err != nil {
		return err
	}
	defer quiet.Stop()

	// Express checks the issuer and audience the server's tokens carry, as
	// the API's verifier does.
	iss, aud, err := tokenAudience(c.Token)
	if err != nil {
		return err
	}

	floor, err := devstack.StartServer(ctx, devstack.ServerOptions{Name: "floor-http", Bin: floorBin, Health: "/healthz", Env: []string{"TODOS_FILE=" + todos}})
	if err != nil {
		return err
	}
	defer floor.Stop()
	port, err := devstack.FreePort()
	if err != nil {
		return err
	}
	exp, err := devstack.Start(ctx, devstack.Spec{Name: "express", Bin: node, Args: []string{filepath.Join("bench", "express", "server.js")}, Dir: o.root,
		Env: []string{"JWKS=" + string(jwks.Body), "TODOS_FILE=" + todos, "HOST=127.0.0.1", "PORT=" + strconv.Itoa(port), "NODE_ENV=production",
			"JWT_ISSUER=" + iss, "JWT_AUDIENCE=" + aud}})
	if err != nil {
		return err
	}
	defer exp.Stop()
	expURL := "http://127.0.0.1:" + strconv.Itoa(port)
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	err = devstack.WaitHTTP(wctx, expURL+"/healthz", exp, devstack.Is200)
	cancel()
	if err != nil {
		return fmt.Errorf("express: %w\n%s", err, exp.Tail(20))
	}

	auth := http.Header{"Authorization": {"Bearer " + c.Token}}
	targets := []struct {
		name, url string
		hdr       http.Header
	}{
		{"local server (embedded store)", local.URL + "/todos", auth},
		{"net/http floor (bench/floor-http)", floor.URL + "/todos", http.Header{}},
		{"Node/Express (bench/express)", expURL + "/todos", auth},
		{"local server, LOG_LEVEL=warn", quiet.URL + "/todos", auth},
	}
	// Each answers the same bytes' worth of todos, and Express refuses a
	// wrong token.
	for _, t := range targets {
		if res := hammer(ctx, t.url, t.hdr, 1, 300*time.Millisecond, 200); res.requests == 0 || res.errors > 0 {
			return fmt.Errorf("%s: warm-up: %d requests, %d errors", t.name, res.requests, res.errors)
		}
	}
	if res := hammer(ctx, expURL+"/todos", http.Header{"Authorization": {"Bearer " + c.Token + "x"}}, 1, 100*time.Millisecond, 401); res.requests == 0 || res.errors > 0 {
		return fmt.Errorf("express took a forged token")
	}
	results := make([]loadResult, len(targets))
	// Each part starts with another server, so none is always the one
	// that follows the same neighbour; eight parts rather than four, so
	// that a drift of the machine's speed within the run falls on every
	// server alike.
	const parts = 8
	for q := range parts {
		for k := range targets {
			i := (q + k) % len(targets)
			results[i].add(hammer(ctx, targets[i].url, targets[i].hdr, o.conns, o.duration/parts, 200))
		}
	}
	fmt.Fprintf(r.w, "GET /todos, 50 todos (%d bytes), %d connections, %s each in %d interleaved parts\n", len(page.Body), o.conns, o.duration, parts)
	for i, t := range targets {
		res := results[i]
		fmt.Fprintf(r.w, "%-36s %9.0f req/s  p50 %s  p99 %s  (%d requests, %d errors)\n", t.name, res.rps(), ms(res.percentile(50)), ms(res.percentile(99)), res.requests, res.errors)
	}
	l, f, e, q := results[0], results[1], results[2], results[3]
	for i, res := range results {
		if res.errors > 0 {
			return fmt.Errorf("%s answered %d errors", targets[i].name, res.errors)
		}
	}
	r.target("throughput of GET /todos (50) ≥ 50 % of the bare net/http floor",
		fmt.Sprintf("%.0f against %.0f req/s; p50 %s against %s", l.rps(), f.rps(), ms(l.percentile(50)), ms(f.percentile(50))),
		fmt.Sprintf("%.2f ×", l.rps()/f.rps()), l.rps() >= 0.5*f.rps())
	r.target("throughput of GET /todos (50) ≥ 5 × Node/Express",
		fmt.Sprintf("%.0f against %.0f req/s; p99 %s against %s", l.rps(), e.rps(), ms(l.percentile(99)), ms(e.percentile(99))),
		fmt.Sprintf("%.2f ×", l.rps()/e.rps()), l.rps() >= 5*e.rps())
	// The comparison holds only if the one server wrote a line for each
	// request it answered and the other none; both have stopped, so their
	// lines are all in the files.
	local.Stop()
	quiet.Stop()
	logged, err := countRequestLines(loggedLog)
	if err != nil {
		return err
	}
	silent, err := countRequestLines(quietLog)
	if err != nil {
		return err
	}
	if logged < l.requests || silent != 0 {
		return fmt.Errorf("the logged server wrote %d request lines for %d requests, the quiet one %d (want at least one per request, and none)", logged, l.requests, silent)
	}
	fmt.Fprintf(r.w, "request lines in the log files: %d from the logged server (%d requests measured, the rest warm-up), %d from the quiet one\n", logged, l.requests, silent)
	// "Nothing measurable": within 3 %, about the spread of two halves
	// of one run here.
	r.target("the access log line costs nothing measurable (req/s with it ≥ 97 % of LOG_LEVEL=warn)",
		fmt.Sprintf("%.0f against %.0f req/s", l.rps(), q.rps()), fmt.Sprintf("%.2f ×", l.rps()/q.rps()), l.rps() >= 0.97*q.rps())
	return nil
}

// tokenAudience reads the iss and aud claims of an access token (its
// payload, unverified: the token is our own server's).
func tokenAudience(token string) (iss, aud string, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", fmt.Errorf("the access token is no JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", "", fmt.Errorf("the access token's payload: %w", err)
	}
	var claims struct {
		Iss string          `json:"iss"`
		Aud json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(b, &claims); err != nil {
		return "", "", fmt.Errorf("the access token's payload: %w", err)
	}
	var one string
	var many []string
	switch {
	case json.Unmarshal(claims.Aud, &one) == nil:
		aud = one
	case json.Unmarshal(claims.Aud, &many) == nil && len(many) > 0:
		aud = many[0]
	}
	if claims.Iss == "" || aud == "" {
		return "", "", fmt.Errorf("the access token has no iss or aud: %s", b)
	}
	return claims.Iss, aud, nil
}

// countRequestLines counts the access lines (msg=request, the local
// server's text format) in the log file f, from its start.
func countRequestLines(f *os.File) (int, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return 0, err
	}
	return bytes.Count(b, []byte(" msg=request ")), nil
}

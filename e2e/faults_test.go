package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/internal/mailpittest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/internal/toxiproxytest"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
)

// The store budgets the fault tests give the server, and how much later
// than the call budget an answer may come (one request makes a few store
// calls, but a fault answers at its first).
const (
	faultCallTimeout    = time.Second
	faultAttemptTimeout = 300 * time.Millisecond
	faultMargin         = 1500 * time.Millisecond
)

// TestFaultsDynamoDB runs the store faults between the local server and
// dynalite, through Toxiproxy.
func TestFaultsDynamoDB(t *testing.T) {
	upstream := dynalitetest.Endpoint(t)
	runFaults(t, upstream, func(endpoint string) []string {
		return []string{"STORE=dynamodb", "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=e2e", "AWS_SECRET_ACCESS_KEY=e2e", "DYNAMODB_ENDPOINT=" + endpoint}
	})
}

// TestFaultsTablestoreDouble runs them between the local server and the
// Tablestore protocol double.
func TestFaultsTablestoreDouble(t *testing.T) {
	ts := tablestoretest.NewServer()
	t.Cleanup(ts.Close)
	runFaults(t, ts.URL(), func(endpoint string) []string {
		return []string{"STORE=tablestore", "TABLESTORE_ENDPOINT=" + endpoint, "TABLESTORE_INSTANCE=e2e",
			"ALIBABA_CLOUD_ACCESS_KEY_ID=e2e-key", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=e2e-secret"}
	})
}

// fault is one network fault of the store's proxy.
type fault struct {
	name  string
	on    func(t *testing.T)
	off   func(t *testing.T)
	quick bool // answers come at once, not after the call budget
}

// faultCall is one answer seen while a fault was on.
type faultCall struct {
	what    string // "add <key>" or "list"
	status  int
	retry   string
	took    time.Duration
	err     error
	id, raw string
	replay  bool // Idempotent-Replayed: true
}

func runFaults(t *testing.T, upstream string, engine func(endpoint string) []string) {
	tp := toxiproxytest.Start(t)
	mp := mailpittest.Start(t)
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := tp.Proxy(t, "store", u.Host)
	endpoint := fmt.Sprintf("http://%s:%d", proxy.Host, proxy.Port)

	port := freePort(t)
	origin := "http://127.0.0.1:" + port
	env := append(engine(endpoint), "DATA_DIR="+t.TempDir(), "APP_URL="+origin+"/", "ALLOWED_ORIGINS=http://app.e2e.example",
		"SMTP_HOST="+mp.SMTPHost, "SMTP_PORT="+itoa(mp.SMTPPort), "SMTP_SECURITY=none", "MAIL_FROM=todofn e2e <no-reply@e2e.example>",
		"USERS_TABLE=fault_users", "TODOS_TABLE=fault_todos", "KEYS_TABLE=fault_keys", "SESSIONS_TABLE=fault_sessions",
		"STORE_CALL_TIMEOUT="+faultCallTimeout.String(), "STORE_ATTEMPT_TIMEOUT="+faultAttemptTimeout.String(),
		"RATE_LIMITS=off", "USER_WRITE_LIMIT=off")
	cfg := app.ConfigFrom(func(k string) string { return devstack.Lookup(env, k) })
	if err := tables.Create(context.Background(), cfg); err != nil {
		t.Fatalf("create tables: %v", err)
	}
	base := start(t, "local", port, append(env, "WEB_DIR="+filepath.Join("..", "web"))...)
	urls := map[string]string{}
	for _, f := range functions {
		urls[f] = base
	}
	s := system{url: urls, mail: mailpitMail(mp)}
	token := str(signUpAndLogIn(t, s, "faults.e2e@example.com", "a long fault password"), "accessToken")

	// acked maps each Idempotency-Key whose add answered 201 to its todo's id.
	acked := map[string]string{}
	titles := map[string]string{}
	add := func(key string) faultCall {
		titles[key] = "todo " + key
		return faultDo(base, token, "POST", "/todos", map[string]any{"title": titles[key]}, "add "+key, "Idempotency-Key", key)
	}
	for i := range 2 {
		key := fmt.Sprintf("before-%d", i)
		c := add(key)
		if c.err != nil || c.status != 201 || c.id == "" {
			t.Fatalf("add %s before any fault: %d %v %s", key, c.status, c.err, c.raw)
		}
		acked[key] = c.id
	}

	toxic := func(name, typ, stream string, attrs map[string]any) fault {
		return fault{
			name: name,
			on: func(t *testing.T) {
				proxy.AddToxic(t, toxiproxytest.Toxic{Name: name, Type: typ, Stream: stream, Attributes: attrs})
			},
			off: func(t *testing.T) { proxy.RemoveToxic(t, name) },
		}
	}
	setEnabled := func(t *testing.T, on bool) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"enabled": on})
		res, err := http.Post(tp.APIURL+"/proxies/"+proxy.Name, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("toxiproxy: enable=%v: %v", on, err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("toxiproxy: enable=%v: %s %s", on, res.Status, b)
		}
	}
	reset := toxic("reset", "reset_peer", "upstream", map[string]any{"timeout": 0})
	reset.quick = true
	faults := []fault{
		toxic("latency", "latency", "downstream", map[string]any{"latency": 3000}),
		reset,
		toxic("bandwidth", "bandwidth", "downstream", map[string]any{"rate": 0}),
		{name: "down", quick: true,
			on:  func(t *testing.T) { setEnabled(t, false) },
			off: func(t *testing.T) { time.Sleep(2 * time.Second); setEnabled(t, true) }},
	}

	var report []string
	for _, f := range faults {
		f.on(t)
		// While the fault is on: three adds and two lists at once, then
		// one more add alone.
		var (
			mu    sync.Mutex
			calls []faultCall
			wg    sync.WaitGroup
		)
		keys := []string{f.name + "-0", f.name + "-1", f.name + "-2"}
		for _, k := range keys {
			titles[k] = "todo " + k
		}
		for _, k := range keys {
			wg.Go(func() {
				c := faultDo(base, token, "POST", "/todos", map[string]any{"title": titles[k]}, "add "+k, "Idempotency-Key", k)
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
			})
		}
		for range 2 {
			wg.Go(func() {
				c := faultDo(base, token, "GET", "/todos?limit=100", nil, "list")
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
			})
		}
		wg.Wait()
		k := f.name + "-3"
		calls = append(calls, add(k))
		keys = append(keys, k)
		f.off(t)

		limit := faultCallTimeout + faultMargin
		var seen []string
		var maxTook time.Duration
		for _, c := range calls {
			maxTook = max(maxTook, c.took)
			switch {
			case c.err != nil:
				t.Errorf("%s, %s: no answer after %v: %v", f.name, c.what, c.took.Round(time.Millisecond), c.err)
			case c.status == 503 && c.retry == "":
				t.Errorf("%s, %s: 503 without Retry-After: %s", f.name, c.what, c.raw)
			case c.status == 503:
			case strings.HasPrefix(c.what, "add") && c.status == 201:
				acked[strings.TrimPrefix(c.what, "add ")] = c.id
			case c.what == "list" && c.status == 200:
			default:
				t.Errorf("%s, %s: %d %s; want success or 503", f.name, c.what, c.status, c.raw)
			}
			if c.took > limit {
				t.Errorf("%s, %s: answered after %v, more than the call budget %v + %v", f.name, c.what, c.took.Round(time.Millisecond), faultCallTimeout, faultMargin)
			}
			seen = append(seen, fmt.Sprintf("%s %d in %v", c.what, c.status, c.took.Round(10*time.Millisecond)))
		}
		if f.quick && maxTook > faultCallTimeout {
			t.Logf("%s: slowest answer %v, more than the call budget (expected quick)", f.name, maxTook.Round(time.Millisecond))
		}
		t.Logf("%s: %s", f.name, strings.Join(seen, "; "))

		// The fault is off: the first request after it succeeds, and every
		// add that answered 503 is retried with its key until it is stored.
		first := faultDo(base, token, "GET", "/todos?limit=1", nil, "list")
		if first.err != nil || first.status != 200 {
			t.Errorf("%s: first list after the fault: %d %v %s", f.name, first.status, first.err, first.raw)
		}
		retried, replayed := 0, 0
		for _, k := range keys {
			if _, ok := acked[k]; ok {
				continue
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
				c := add(k)
				if c.err == nil && c.status == 201 && c.id != "" {
					acked[k] = c.id
					retried++
					if c.replay {
						replayed++ // the 503 add had been stored: the retry answers it once more
					}
					break
				}
				if c.err == nil && c.status != 503 {
					t.Fatalf("%s: retry of %s: %d %s", f.name, k, c.status, c.raw)
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: retry of %s still fails 10s after the fault: %d %v %s", f.name, k, c.status, c.err, c.raw)
				}
			}
		}
		report = append(report, fmt.Sprintf("%-9s slowest %v; first request after: %d in %v; %d adds retried (%d of them replayed)",
			f.name, maxTook.Round(10*time.Millisecond), first.status, first.took.Round(time.Millisecond), retried, replayed))
	}

	// Every acknowledged todo is there once, and nothing else.
	byID := map[string]string{} // id -> title
	cursor := ""
	for page := 0; ; page++ {
		q := "/todos?limit=7"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		r := call(t, "GET", base+q, token, nil)
		want(t, r, 200, "")
		items, _ := r.Body["items"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			id, _ := m["id"].(string)
			if _, dup := byID[id]; dup {
				t.Errorf("todo %s listed twice", id)
			}
			byID[id], _ = m["title"].(string)
		}
		next, _ := r.Body["nextCursor"].(string)
		if next == "" {
			break
		}
		if page > 20 {
			t.Fatal("the list does not end")
		}
		cursor = next
	}
	wantIDs := map[string]bool{}
	for k, id := range acked {
		if wantIDs[id] {
			t.Errorf("two keys acknowledged the same todo %s", id)
		}
		wantIDs[id] = true
		if got, ok := byID[id]; !ok {
			t.Errorf("acknowledged todo %s (%s) is missing", id, k)
		} else if got != titles[k] {
			t.Errorf("todo %s is titled %q, want %q", id, got, titles[k])
		}
	}
	for id, title := range byID {
		if !wantIDs[id] {
			t.Errorf("todo %s (%q) was never acknowledged", id, title)
		}
	}
	for _, l := range report {
		t.Log(l)
	}
	t.Logf("list: %d todos, %d acknowledged (%d keys)", len(byID), len(wantIDs), len(acked))
}

// faultClient waits long enough to see a hang past the budget as a slow
// answer rather than as a transport error.
var faultClient = &http.Client{Timeout: 3 * (faultCallTimeout + faultMargin)}

// faultDo is one call that reports instead of failing the test, for use
// from goroutines; it measures how long the answer took.
func faultDo(base, token, method, path string, body any, what string, hdr ...string) faultCall {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return faultCall{what: what, err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	t0 := time.Now()
	res, err := faultClient.Do(req)
	if err != nil {
		return faultCall{what: what, err: err, took: time.Since(t0)}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	c := faultCall{what: what, status: res.StatusCode, retry: res.Header.Get("Retry-After"), took: time.Since(t0), raw: string(raw),
		replay: res.Header.Get("Idempotent-Replayed") == "true"}
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		c.id, _ = m["id"].(string)
	}
	return c
}

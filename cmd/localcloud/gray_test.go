package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/gray"
)

// buildFC builds a main package of the module with the FC flavour's tags
// into dir/todos-list/bootstrap, where the tool looks for todos-list.
func buildFC(t *testing.T, pkg, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "todos-list", "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "no_dynamodb", "-o", out, pkg)
	cmd.Dir = filepath.Join("..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// startGrayCloud runs the tool in FC mode with todos-list alone (the FC
// runtime double and the Tablestore double need nothing installed; no
// mailer, so no SMTP server) and the candidate builds in cand, and returns
// the front's URL once it answers.
func startGrayCloud(t *testing.T, bin, cand string, weight string) string {
	t.Helper()
	addr, err := devstack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	o, err := parseOptions([]string{"-mode", "fc", "-bin", bin, "-candidate-bin", cand, "-candidate-weight", weight,
		"-only", "todos-list", "-port", port, "-smtp", "127.0.0.1:1", "-web", filepath.Join("..", "..", "web")},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, o, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("localcloud: %v", err)
		}
	})
	url := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("localcloud stopped: %v", err)
		default:
		}
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			return url
		}
	}
	t.Fatal("the local cloud did not come up in 30 s")
	return ""
}

// answers counts the calls a client saw, by the build that answered.
type answers struct {
	mu     sync.Mutex
	calls  map[string]int
	failed map[string]int // 5xx or no answer
	other  int            // a status other than 401 or 5xx
}

// drive calls GET /todos (401 without a token) from four clients until ctx ends.
func drive(ctx context.Context, url string, a *answers) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/todos", nil)
				resp, err := http.DefaultClient.Do(req)
				if ctx.Err() != nil {
					return
				}
				a.mu.Lock()
				switch {
				case err != nil:
					a.failed["no answer"]++
				default:
					v := resp.Header.Get(grayHeader)
					a.calls[v]++
					if resp.StatusCode >= 500 {
						a.failed[v]++
					} else if resp.StatusCode != http.StatusUnauthorized {
						a.other++
					}
					resp.Body.Close()
				}
				a.mu.Unlock()
			}
		})
	}
	return &wg
}

// TestGrayWindowLocal runs a gray release on the local cloud twice, with
// the real todos-list build as production: a healthy candidate (the same
// build) is promoted when a short window ends; a candidate that answers 500
// on every fifth call is rolled back before the window ends, and no call
// outside the candidate's share failed.
func TestGrayWindowLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two function binaries and runs the local cloud")
	}
	bin, healthy, flaky := t.TempDir(), t.TempDir(), t.TempDir()
	buildFC(t, "./functions/todos-list", bin)
	buildFC(t, "./functions/todos-list", healthy)
	buildFC(t, "./cmd/localcloud/testdata/flaky", flaky)
	const window = 3 * time.Second
	for _, tt := range []struct {
		name string
		cand string
		want gray.Decision
	}{
		{"healthy candidate", healthy, gray.Promote},
		{"candidate failing 20 percent", flaky, gray.Rollback},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := startGrayCloud(t, bin, tt.cand, "0.3")
			a := &answers{calls: map[string]int{}, failed: map[string]int{}}
			ctx, stop := context.WithCancel(context.Background())
			wg := drive(ctx, url, a)
			w := &gray.Window{Source: gray.Local{URL: url}, Actuator: gray.Local{URL: url}, Duration: window, Interval: 200 * time.Millisecond,
				Thresholds: gray.Thresholds{Max5xxRate: 0.05, MaxP99: 2 * time.Second, MinRequests: 20},
				Log:        slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), grayDemoOut()), nil)).With("case", tt.name)}
			start := time.Now()
			v, err := w.Run(context.Background())
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			// A moment of traffic after the move: it all goes one way.
			a.mu.Lock()
			before := map[string]int{"production": a.calls["production"], "candidate": a.calls["candidate"]}
			a.mu.Unlock()
			time.Sleep(300 * time.Millisecond)
			stop()
			wg.Wait()
			t.Logf("%v after %v; answers by build %v, failed %v, other %d", v.Decision, took.Round(time.Millisecond), a.calls, a.failed, a.other)
			if v.Decision != tt.want {
				t.Fatalf("decision %v (%s), want %v", v.Decision, v.Reason, tt.want)
			}
			if a.failed["production"] > 0 || a.failed["no answer"] > 0 || a.failed[""] > 0 || a.other > 0 {
				t.Errorf("calls outside the candidate's share failed: %v (other statuses %d)", a.failed, a.other)
			}
			moved := map[string]int{"production": a.calls["production"] - before["production"], "candidate": a.calls["candidate"] - before["candidate"]}
			switch tt.want {
			case gray.Promote:
				if took < window || a.failed["candidate"] > 0 || moved["production"] > 4 || moved["candidate"] == 0 {
					t.Errorf("promoted after %v (window %v) with candidate failures %d; after it %v", took, window, a.failed["candidate"], moved)
				}
			case gray.Rollback:
				if took >= window || a.failed["candidate"] == 0 || moved["candidate"] > 4 || moved["production"] == 0 {
					t.Errorf("rolled back after %v (window %v) with candidate failures %d; after it %v", took, window, a.failed["candidate"], moved)
				}
			}
		})
	}
}

// grayDemoOut is where make gray-demo wants the window's log as well
// (GRAY_DEMO_LOG names a file), else nowhere.
func grayDemoOut() io.Writer {
	if p := os.Getenv("GRAY_DEMO_LOG"); p != "" {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			return f
		}
	}
	return io.Discard
}

func TestGrayOptions(t *testing.T) {
	none := func(string) string { return "" }
	o, err := parseOptions([]string{"-only", "todos-list, login", "-candidate-bin", "x", "-candidate-weight", "0.25", "-gray-seed", "7"}, none)
	if err != nil || len(o.only) != 2 || o.names()[1] != "login" || o.candidateWeight != 0.25 || o.graySeed != 7 || o.candidateBin != "x" {
		t.Errorf("parseOptions = %+v, %v", o, err)
	}
	if o, _ := parseOptions(nil, none); len(o.names()) != len(functions) || o.candidateBin != "" {
		t.Errorf("the defaults run %v with candidates %q", o.names(), o.candidateBin)
	}
	for _, bad := range [][]string{{"-only", "nope"}, {"-candidate-weight", "1.5"}} {
		if _, err := parseOptions(bad, none); err == nil {
			t.Errorf("parseOptions(%v) succeeds", bad)
		}
	}
	if _, err := parseOptions(nil, func(k string) string { return map[string]string{"LOCALCLOUD_CANDIDATE_WEIGHT": "x"}[k] }); err == nil {
		t.Error("a weight that is no number is accepted")
	}
}

// TestGrayRouter checks the split and the counts without processes: a
// weight of 0.3 sends about 30 % of the calls, seeded, so the same seed
// splits the same way; promote and roll back move the weight.
func TestGrayRouter(t *testing.T) {
	prod, cand := echoFn{"prod"}, echoFn{"cand"}
	split := func(seed uint64) int {
		g := newGrayRouter(map[string]invoker{"todos-list": cand}, 0.3, seed)
		n := 0
		for range 1000 {
			if inv, role := g.pick("todos-list", prod); role == candidate && inv == invoker(cand) {
				n++
			}
		}
		return n
	}
	if a, b := split(1), split(1); a != b || a < 250 || a > 350 {
		t.Errorf("seed 1 sends %d and %d of 1000 calls to the candidate, want the same, about 300", a, b)
	}
	g := newGrayRouter(map[string]invoker{"todos-list": cand}, 0.3, 1)
	if inv, role := g.pick("login", prod); inv != invoker(prod) || role != -1 {
		t.Error("a function without a candidate is split")
	}
	g.record("todos-list", candidate, 500, false, 3*time.Millisecond)
	g.record("todos-list", candidate, 0, true, time.Millisecond)
	g.record("todos-list", production, 401, false, time.Millisecond)
	st := g.state().Functions["todos-list"]
	if st.Candidate.Requests != 2 || st.Candidate.Status5xx != 2 || st.Candidate.Errors != 1 || st.Production.Requests != 1 || st.Candidate.P99Ms != 3 {
		t.Errorf("counts = %+v", st)
	}
	f := testFront(t, fcCodec, nil)
	f.gray = g
	if w := serve(f, http.MethodPost, gray.LocalPromotePath, nil); w.Code != 200 || g.state().Weight != 1 {
		t.Errorf("promote: %d, weight %v", w.Code, g.state().Weight)
	}
	if w := serve(f, http.MethodPost, gray.LocalRollbackPath, nil); w.Code != 200 || g.state().Weight != 0 {
		t.Errorf("rollback: %d, weight %v", w.Code, g.state().Weight)
	}
	if w := serve(f, http.MethodDelete, gray.LocalStatsPath, nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /_gray: %d", w.Code)
	}
	delete(f.fns, "login")
	if w := serve(f, http.MethodPost, "/login", nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("a function not running (-only): %d", w.Code)
	}
}

package gray

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var th = Thresholds{Max5xxRate: 0.05, MaxErrors: 0, MaxP99: 500 * time.Millisecond, MinRequests: 20}

func split(c Stats) Split { return Split{Production: Stats{Requests: 100}, Candidate: c} }

func TestJudge(t *testing.T) {
	for _, tt := range []struct {
		name   string
		s      Sample
		final  bool
		want   Decision
		reason string
	}{
		{"healthy, window open", Sample{"a": split(Stats{Requests: 50, Status5xx: 1})}, false, Continue, ""},
		{"healthy, window over", Sample{"a": split(Stats{Requests: 50, Status5xx: 1})}, true, Promote, "50 candidate calls"},
		{"5xx over the rate", Sample{"a": split(Stats{Requests: 20, Status5xx: 4})}, false, Rollback, "a: 4 of 20 candidate calls answered 5xx (20.0%"},
		{"too few calls for a rate, but a 5xx fails", Sample{"a": split(Stats{Requests: 10, Status5xx: 2})}, false, Rollback, "a: 2 of 10 candidate calls answered 5xx (below 20 calls"},
		{"3 calls, 1 of them 5xx", Sample{"a": split(Stats{Requests: 3, Status5xx: 1})}, false, Rollback, "a: 1 of 3 candidate calls"},
		{"40 of 40 answered 5xx below the minimum", Sample{"a": split(Stats{Requests: 40, Status5xx: 40})}, false, Rollback, "40 of 40"},
		{"too few calls for a rate, slow: p99 not judged", Sample{"a": split(Stats{Requests: 10, P99Ms: 900})}, false, Continue, ""},
		{"an unexercised function is named", Sample{"a": split(Stats{Requests: 30}), "b": split(Stats{})}, true, Promote, "NOT JUDGED (no candidate call): b"},
		{"a failed invocation", Sample{"a": split(Stats{Requests: 3, Errors: 1})}, false, Rollback, "1 failed invocations"},
		{"slow", Sample{"b": split(Stats{Requests: 30, P99Ms: 900})}, false, Rollback, "p99 900.0 ms"},
		{"one bad function rolls all back", Sample{"a": split(Stats{Requests: 40}), "b": split(Stats{Requests: 40, Status5xx: 10})}, false, Rollback, "b: "},
		{"idle candidate at the end", Sample{"a": split(Stats{Requests: 3})}, true, Rollback, "only 3 calls"},
		{"no data at all at the end", Sample{}, true, Rollback, "only 0 calls"},
		{"calls add up across functions", Sample{"a": split(Stats{Requests: 12}), "b": split(Stats{Requests: 12})}, true, Promote, "24 candidate calls"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.s, th, tt.final)
			if v.Decision != tt.want || !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("Judge = %v %q, want %v containing %q", v.Decision, v.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestP99(t *testing.T) {
	var ms []float64
	for i := 1; i <= 200; i++ {
		ms = append(ms, float64(i))
	}
	if got := P99(ms); got != 198 {
		t.Errorf("P99(1..200) = %v, want 198", got)
	}
	if P99(nil) != 0 || P99([]float64{7}) != 7 {
		t.Error("P99 of none or one")
	}
}

// fakeClock advances by each wait at once.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) after(d time.Duration) <-chan time.Time {
	c.t = c.t.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

type samples struct {
	list []Sample
	errs []error
	n    int
}

func (s *samples) Sample(context.Context) (Sample, error) {
	n := s.n
	s.n++
	if n < len(s.errs) && s.errs[n] != nil {
		return nil, s.errs[n]
	}
	return s.list[min(n, len(s.list)-1)], nil
}

type moves struct{ got []string }

func (m *moves) Promote(context.Context) error  { m.got = append(m.got, "promote"); return nil }
func (m *moves) Rollback(context.Context) error { m.got = append(m.got, "rollback"); return nil }

func window(src Source, act Actuator) *Window {
	c := &fakeClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	return &Window{Source: src, Actuator: act, Duration: 10 * time.Second, Interval: time.Second, Thresholds: th,
		Log: slog.New(slog.DiscardHandler), Now: c.now, After: c.after}
}

func TestWindow(t *testing.T) {
	healthy := Sample{"a": split(Stats{Requests: 30})}
	broken := Sample{"a": split(Stats{Requests: 30, Status5xx: 6})}
	for _, tt := range []struct {
		name    string
		src     *samples
		want    string
		samples int
	}{
		{"healthy is promoted at the end", &samples{list: []Sample{healthy}}, "promote", 10},
		{"a breach rolls back at once", &samples{list: []Sample{healthy, healthy, broken}}, "rollback", 3},
		{"a failing source rolls back", &samples{list: []Sample{healthy}, errs: []error{nil, errors.New("x"), errors.New("x"), errors.New("x")}}, "rollback", 4},
		{"one failed sample is tolerated", &samples{list: []Sample{healthy}, errs: []error{errors.New("x")}}, "promote", 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := &moves{}
			v, err := window(tt.src, m).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(m.got) != 1 || m.got[0] != tt.want || tt.src.n != tt.samples {
				t.Errorf("moves %v after %d samples (%v), want [%s] after %d", m.got, tt.src.n, v, tt.want, tt.samples)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := window(&samples{list: []Sample{healthy}}, &moves{})
	w.After = func(time.Duration) <-chan time.Time { return nil }
	if _, err := w.Run(ctx); err == nil {
		t.Error("a cancelled window returns no error")
	}
}

func TestFCLogsParse(t *testing.T) {
	out := strings.Join([]string{
		`fn-register | 2026-12-01T10:00:01Z c-1 [INFO] {"msg":"request","function":"todofn-test-register","version":"3","status":202,"latency":40,"requestId":"r1"}`,
		`fn-register | {"msg":"request","function":"todofn-test-register","version":"4","status":500,"latency":12,"requestId":"r2"}`,
		`fn-register | {"msg":"request","function":"todofn-test-register","version":"4","status":202,"latency":30,"requestId":"r3"}`,
		`fn-register | {"msg":"request","function":"todofn-test-register","version":"4","status":202,"latency":30,"requestId":"r3"}`, // seen twice
		`fn-register | FC Invoke End RequestId: r9, Error: Function timed out`,
		`fn-login | {"time":"x","level":"INFO","msg":"POST /login 401"}`,
		`{"msg":"request","function":"todofn-test-login","version":"7","status":401,"latency":5,"requestId":"r4"}`,
	}, "\n")
	s := FCLogs{Canary: map[string]string{"fn-register": "4", "fn-login": "8"}}.Parse([]byte(out))
	reg, login := s["fn-register"], s["fn-login"]
	if reg.Production.Requests != 1 || reg.Candidate.Requests != 2 || reg.Candidate.Status5xx != 1 || reg.Candidate.Errors != 1 || reg.Candidate.P99Ms != 30 {
		t.Errorf("fn-register = %+v", reg)
	}
	if login.Production.Requests != 1 || login.Candidate.Requests != 0 {
		t.Errorf("fn-login = %+v (a line without a prefix is matched by its function name)", login)
	}
	sls := `[{"__time__":"1","content":"{\"msg\":\"request\",\"function\":\"todofn-test-register\",\"version\":\"4\",\"status\":503,\"latency\":9,\"requestId\":\"q1\"}"},
	 {"msg":"request","function":"todofn-test-register","version":"3","status":200,"latency":2,"requestId":"q2"}]`
	s = FCLogs{Canary: map[string]string{"fn-register": "4"}}.Parse([]byte(sls))
	if reg := s["fn-register"]; reg.Candidate.Status5xx != 1 || reg.Production.Requests != 1 {
		t.Errorf("SLS result: %+v", s)
	}
	src := FCLogs{Command: "logs", Canary: map[string]string{"fn-register": "4"},
		Exec: func(_ context.Context, c string) ([]byte, error) { return []byte(out), nil }}
	if got, err := src.Sample(context.Background()); err != nil || got["fn-register"].Candidate.Requests != 2 {
		t.Errorf("Sample = %v, %v", got, err)
	}
}

func TestCanariesFromStatus(t *testing.T) {
	got := CanariesFromStatus([]byte("fn-register: live -> 3 {\"4\":0.1}\nfn-mailer: live -> 2 {}\nnoise\n"))
	if len(got) != 1 || got["fn-register"] != "4" {
		t.Errorf("CanariesFromStatus = %v", got)
	}
}

func TestLocal(t *testing.T) {
	var moved []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET " + LocalStatsPath:
			_ = json.NewEncoder(w).Encode(LocalState{Weight: 0.2, Functions: Sample{"todos-list": split(Stats{Requests: 5})}})
		case "POST " + LocalPromotePath, "POST " + LocalRollbackPath:
			moved = append(moved, r.URL.Path)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	l := Local{URL: srv.URL}
	s, err := l.Sample(context.Background())
	if err != nil || s["todos-list"].Candidate.Requests != 5 {
		t.Fatalf("Sample = %v, %v", s, err)
	}
	if l.Promote(context.Background()) != nil || l.Rollback(context.Background()) != nil || len(moved) != 2 {
		t.Errorf("moves = %v", moved)
	}
	if err := (Local{URL: srv.URL + "/nope"}).Promote(context.Background()); err == nil {
		t.Error("a 404 is not an error")
	}
	var ran []string
	c := Commands{PromoteCmd: "p", RollbackCmd: "r", Exec: func(_ context.Context, cmd string) ([]byte, error) {
		ran = append(ran, cmd)
		return nil, nil
	}}
	if c.Promote(context.Background()) != nil || c.Rollback(context.Background()) != nil || strings.Join(ran, ",") != "p,r" {
		t.Errorf("Commands ran %v", ran)
	}
}

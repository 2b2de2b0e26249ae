package limit_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// clock is a settable clock for the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newLimiter returns a limiter on a fresh embedded store and its clock. The
// clock starts on the next whole hour: the store judges expiry by the real
// time, so the injected one must not run behind it, and a whole hour puts
// every token of the budgets below on a whole second.
func newLimiter(t *testing.T) (*limit.Limiter, *clock) {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "todo.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &clock{t: time.Now().UTC().Truncate(time.Hour).Add(time.Hour)}
	return &limit.Limiter{Store: s, Now: c.Now}, c
}

// take takes one and fails t unless the outcome is as wanted: n taken, or
// (wait > 0) refused with a RetryAfter of wait.
func take(t *testing.T, l *limit.Limiter, key string, b limit.Budget, n int, wait time.Duration) {
	t.Helper()
	got, err := l.Take(context.Background(), key, b, "Too many.")
	if wait > 0 {
		var e *todo.Error
		if todo.ErrorCode(err) != todo.RateLimited || !errors.As(err, &e) || e.RetryAfter != int(wait/time.Second) {
			t.Fatalf("Take = %d, %v; want RateLimited with RetryAfter %v", got, err, wait)
		}
		return
	}
	if err != nil || got != n {
		t.Fatalf("Take = %d, %v; want %d taken", got, err, n)
	}
}

func count(t *testing.T, l *limit.Limiter, key string, b limit.Budget) int {
	t.Helper()
	n, err := l.Count(context.Background(), key, b)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBucketBurstRefuseRefill(t *testing.T) {
	l, c := newLimiter(t)
	b := limit.Budget{Max: 30, Window: 5 * time.Minute} // a token every 10 s
	for i := 1; i <= 30; i++ {
		take(t, l, "ip:a", b, i, 0)
	}
	take(t, l, "ip:a", b, 0, 10*time.Second) // the next token comes in 10 s
	c.Add(9 * time.Second)
	take(t, l, "ip:a", b, 0, 1*time.Second)
	c.Add(1 * time.Second)
	take(t, l, "ip:a", b, 30, 0) // one token came back, and went again
	take(t, l, "ip:a", b, 0, 10*time.Second)
	c.Add(35 * time.Second) // three tokens back
	if n := count(t, l, "ip:a", b); n != 27 {
		t.Fatalf("Count after 3 tokens came back = %d, want 27", n)
	}
	for i := 28; i <= 30; i++ {
		take(t, l, "ip:a", b, i, 0)
	}
	take(t, l, "ip:a", b, 0, 5*time.Second) // 35 s past a token: the next in 5 s
	// Another key has its own bucket.
	take(t, l, "ip:b", b, 1, 0)
}

func TestBucketIdleHoldsAtMostMax(t *testing.T) {
	l, c := newLimiter(t)
	b := limit.Budget{Max: 100, Window: 10 * time.Second}
	take(t, l, "writes:u", b, 1, 0)
	c.Add(3 * time.Hour) // refilled many times over
	if n := count(t, l, "writes:u", b); n != 0 {
		t.Fatalf("Count of an idle bucket = %d, want 0", n)
	}
	for i := 1; i <= 100; i++ {
		take(t, l, "writes:u", b, i, 0)
	}
	take(t, l, "writes:u", b, 0, time.Second) // a token every 100 ms: Retry-After rounds up to 1 s
	c.Add(100 * time.Millisecond)
	take(t, l, "writes:u", b, 100, 0)
}

func TestGive(t *testing.T) {
	l, c := newLimiter(t)
	ctx := context.Background()
	b := limit.Budget{Max: 3, Window: time.Minute}
	for i := 1; i <= 3; i++ {
		take(t, l, "k", b, i, 0)
	}
	take(t, l, "k", b, 0, 20*time.Second)
	if err := l.Give(ctx, "k", b); err != nil {
		t.Fatal(err)
	}
	if n := count(t, l, "k", b); n != 2 {
		t.Fatalf("Count after a give = %d, want 2", n)
	}
	take(t, l, "k", b, 3, 0) // the given token
	take(t, l, "k", b, 0, 20*time.Second)
	// A give to a full bucket gives nothing beyond Max.
	c.Add(time.Hour)
	for range 3 {
		if err := l.Give(ctx, "k", b); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 3; i++ {
		take(t, l, "k", b, i, 0)
	}
	take(t, l, "k", b, 0, 20*time.Second)
}

func TestFixedWindow(t *testing.T) {
	l, c := newLimiter(t)
	b := limit.Budget{Max: 3, Window: 24 * time.Hour, Fixed: true}
	c.Add(20 * time.Hour) // some hour of a day: the day's end is what counts
	now := c.Now()
	toMidnight := now.Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(now)
	for i := 1; i <= 3; i++ {
		take(t, l, "mails:ann", b, i, 0)
	}
	take(t, l, "mails:ann", b, 0, toMidnight)
	c.Add(toMidnight - time.Second)
	take(t, l, "mails:ann", b, 0, time.Second) // no refill within the day
	if n := count(t, l, "mails:ann", b); n != 3 {
		t.Fatalf("Count at the day's end = %d, want 3", n)
	}
	if err := l.Give(context.Background(), "mails:ann", b); err != nil {
		t.Fatal(err)
	}
	take(t, l, "mails:ann", b, 3, 0)
	c.Add(time.Second) // a new UTC day
	if n := count(t, l, "mails:ann", b); n != 0 {
		t.Fatalf("Count on a new day = %d, want 0", n)
	}
	take(t, l, "mails:ann", b, 1, 0)
}

// TestConcurrentTakesAreExact races 200 takes on a bucket of 100 at one
// instant: exactly 100 pass and 100 are refused as spent; none is refused
// for running at the same time as others.
func TestConcurrentTakesAreExact(t *testing.T) {
	l, _ := newLimiter(t)
	b := limit.Budget{Max: 100, Window: 10 * time.Second}
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed, refused := 0, 0
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := l.Take(context.Background(), "ip:burst", b, "Too many.")
			mu.Lock()
			defer mu.Unlock()
			switch todo.ErrorCode(err) {
			case "":
				passed++
			case todo.RateLimited:
				refused++
			default:
				t.Errorf("Take: %v", err)
			}
		}()
	}
	wg.Wait()
	if passed != 100 || refused != 100 {
		t.Fatalf("%d passed, %d refused; want 100 and 100", passed, refused)
	}
}

func TestOffBudget(t *testing.T) {
	l, _ := newLimiter(t)
	for range 5 {
		take(t, l, "k", limit.Budget{}, 0, 0)
	}
	if n := count(t, l, "k", limit.Budget{}); n != 0 {
		t.Fatalf("Count of an off budget = %d", n)
	}
}

func TestParseBudget(t *testing.T) {
	tests := []struct {
		in   string
		want limit.Budget
		err  bool
	}{
		{"100/10s", limit.Budget{Max: 100, Window: 10 * time.Second}, false},
		{" 30/5m ", limit.Budget{Max: 30, Window: 5 * time.Minute}, false},
		{"off", limit.Budget{}, false},
		{"0", limit.Budget{}, false},
		{"10/500ms", limit.Budget{}, true},
		{"0/1s", limit.Budget{}, true},
		{"ten/1s", limit.Budget{}, true},
		{"10", limit.Budget{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := limit.ParseBudget(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Fatalf("ParseBudget(%q) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.err)
			}
			if err == nil && !got.Off() {
				if back, _ := limit.ParseBudget(got.String()); back != got {
					t.Fatalf("ParseBudget(String()) = %+v, want %+v", back, got)
				}
			}
		})
	}
}

// TestTakeStepIsTake: the change TakeStep returns, made by AddCount, takes
// what Take takes: takes through either count in one budget, the budget
// refuses both at the same count, and a refill lets both through again.
func TestTakeStepIsTake(t *testing.T) {
	ctx := context.Background()
	for _, b := range []limit.Budget{{Max: 4, Window: time.Minute}, {Max: 4, Window: time.Hour, Fixed: true}} {
		t.Run(b.String(), func(t *testing.T) {
			l, c := newLimiter(t)
			step := func() bool {
				st, ok := l.TakeStep("k", b)
				if !ok || st.Delta != 1 {
					t.Fatalf("TakeStep = %+v, %v", st, ok)
				}
				_, took, err := l.Store.AddCount(ctx, st.Key, st.Delta, st.Floor, st.Ceiling, st.Expires)
				if err != nil {
					t.Fatal(err)
				}
				return took
			}
			for i := range 4 {
				if i%2 == 0 {
					if !step() {
						t.Fatalf("step %d refused", i)
					}
				} else {
					take(t, l, "k", b, i+1, 0)
				}
			}
			if step() {
				t.Fatal("a step took from a spent budget")
			}
			if n, err := l.Count(ctx, "k", b); err != nil || n != 4 {
				t.Fatalf("Count = %d, %v; want 4", n, err)
			}
			c.Add(b.Window)
			if !step() {
				t.Fatal("a step was refused after the refill")
			}
			take(t, l, "k", b, 2, 0)
		})
	}
	if _, ok := (&limit.Limiter{}).TakeStep("k", limit.Budget{}); ok {
		t.Fatal("TakeStep of an off budget has a step")
	}
}

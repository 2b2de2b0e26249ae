// Package limit keeps budgets: at most Max events per key in a fixed
// window, counted on the domain's throttle store with conditional writes,
// so that concurrent requests cannot take more than the budget allows. The
// API uses it for per-client-IP budgets, the account service for
// per-address ones.
package limit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Budget is at most Max events per Window. The zero Budget allows
// everything.
type Budget struct {
	Max    int
	Window time.Duration
}

// Off reports whether b allows everything.
func (b Budget) Off() bool { return b.Max <= 0 || b.Window <= 0 }

// String writes b as ParseBudget reads it, such as "30/5m0s".
func (b Budget) String() string {
	if b.Off() {
		return "off"
	}
	return strconv.Itoa(b.Max) + "/" + b.Window.String()
}

// ParseBudget reads "N/duration", such as "30/5m" or "100/1h"; "off" (or
// "0") is the zero Budget.
func ParseBudget(s string) (Budget, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Budget{}, nil
	}
	n, d, ok := strings.Cut(s, "/")
	max, err := strconv.Atoi(n)
	if !ok || err != nil || max < 1 {
		return Budget{}, fmt.Errorf("limit: %q: want N/duration, such as 30/5m, or off", s)
	}
	w, err := time.ParseDuration(d)
	if err != nil || w < time.Second {
		return Budget{}, fmt.Errorf("limit: %q: the window must be a duration of at least 1s", s)
	}
	return Budget{Max: max, Window: w}, nil
}

// maxRetries bounds the optimistic-concurrency loop of one Take.
const maxRetries = 8

// Limiter takes events from budgets kept in a throttle store.
type Limiter struct {
	Store todo.ThrottleStore
	Now   func() time.Time // nil means time.Now
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

// windowStart is the start of the fixed window of length w that holds t.
func windowStart(t time.Time, w time.Duration) time.Time { return t.Truncate(w) }

// Take takes one event from key's budget b and returns how many events the
// window now holds. When the budget is spent it takes nothing and returns a
// RateLimited error whose RetryAfter is the end of the window. The count is
// a conditional write: of concurrent takers, at most b.Max succeed in one
// window. A zero budget always succeeds and stores nothing.
func (l *Limiter) Take(ctx context.Context, key string, b Budget, message string) (int, error) {
	if b.Off() {
		return 0, nil
	}
	for range maxRetries {
		now := l.now()
		start := windowStart(now, b.Window)
		th, err := l.current(ctx, key)
		if err != nil {
			return 0, err
		}
		if !th.WindowStart.Equal(start) {
			th.Failures, th.WindowStart = 0, start
		}
		end := start.Add(b.Window)
		if th.Failures >= b.Max {
			return th.Failures, Limited(end.Sub(now), message)
		}
		th.Failures++
		th.Expires = end
		err = l.Store.PutThrottle(ctx, th)
		if todo.ErrorCode(err) == todo.Conflict {
			continue // someone took meanwhile: count again on top of theirs
		}
		if err != nil {
			return 0, err
		}
		return th.Failures, nil
	}
	return 0, Limited(time.Second, "Too many requests at once. Try again in a moment.")
}

// Give returns one event taken in the current window (a request that
// turned out not to count, such as a log-in that succeeded). Giving to an
// empty or past window does nothing.
func (l *Limiter) Give(ctx context.Context, key string, b Budget) error {
	if b.Off() {
		return nil
	}
	for range maxRetries {
		start := windowStart(l.now(), b.Window)
		th, err := l.current(ctx, key)
		if err != nil || th.Version == 0 || !th.WindowStart.Equal(start) || th.Failures == 0 {
			return err
		}
		th.Failures--
		err = l.Store.PutThrottle(ctx, th)
		if todo.ErrorCode(err) != todo.Conflict {
			return err
		}
	}
	return nil // best effort: the window ends soon anyway
}

// Count returns how many events key's window of budget b holds now.
func (l *Limiter) Count(ctx context.Context, key string, b Budget) (int, error) {
	if b.Off() {
		return 0, nil
	}
	th, err := l.current(ctx, key)
	if err != nil || !th.WindowStart.Equal(windowStart(l.now(), b.Window)) {
		return 0, err
	}
	return th.Failures, nil
}

// current returns key's counter, or a new one (Version 0) if it has none.
func (l *Limiter) current(ctx context.Context, key string) (*todo.Throttle, error) {
	th, err := l.Store.Throttle(ctx, key)
	if todo.ErrorCode(err) == todo.NotFound {
		return &todo.Throttle{Key: key}, nil
	}
	return th, err
}

// Limited is the RateLimited error for a wait of d, with message (or a
// generic sentence when it is empty) and the wait appended.
func Limited(d time.Duration, message string) error {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	if message == "" {
		message = "Too many requests."
	}
	return &todo.Error{Code: todo.RateLimited, RetryAfter: secs, Message: message + " " + wait(secs)}
}

func wait(secs int) string {
	switch {
	case secs < 60:
		return fmt.Sprintf("Try again in %d seconds.", secs)
	case secs < 3600:
		return fmt.Sprintf("Try again in %d minutes.", (secs+59)/60)
	}
	return fmt.Sprintf("Try again in %d hours.", (secs+3599)/3600)
}

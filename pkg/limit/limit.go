// Package limit keeps budgets on the domain's atomic counters
// (todo.CounterStore): token buckets that let a burst of up to Max events
// through and refill at Max per Window, or, for limits stated per calendar
// window (per UTC day), fixed windows. Each take is one atomic conditional
// write, so concurrent requests can neither take more than the budget
// allows nor be refused because they ran at the same time. The API uses it
// for per-client-IP budgets, the account service for per-address ones, the
// todo service for each user's writes.
package limit

import (
	"context"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Budget is a token bucket of Max events refilled at Max per Window: a
// burst of up to Max passes at once, after which one more event passes
// every Window/Max, and a bucket left idle holds at most Max. So "30/5m"
// is a bucket of 30 refilled at 30 per 5 minutes, and "100/10s" a bucket
// of 100 refilled at 10 a second.
//
// With Fixed, it is instead at most Max events in each fixed window of
// length Window (counted from the zero time, so a Window of 24h is a UTC
// day): for limits that readers are told are "per day".
//
// The zero Budget allows everything.
type Budget struct {
	Max    int
	Window time.Duration
	Fixed  bool
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

// ParseBudget reads "N/duration", such as "30/5m" or "100/1h", as a token
// bucket; "off" (or "0") is the zero Budget.
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

// Limiter takes events from budgets kept in a counter store.
type Limiter struct {
	Store todo.CounterStore
	Now   func() time.Time // nil means time.Now
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

// span is the counter call that stands for key's budget b at one instant:
// the stored key, the floor and ceiling to pass to AddCount and the expiry
// of what it stores.
//
// A token bucket keeps the number of events taken since 1970. By time t
// the bucket has been granted L = Max + floor(t * Max/Window) tokens in
// all, so a take is allowed if the count, raised to at least L - Max (an
// idle bucket holds no more than Max), is below L: the floor is L - Max,
// the ceiling L. A record idle for one Window is back at the floor, so it
// expires then.
//
// A fixed window has a key of its own, floor 0 and ceiling Max, and
// expires with the window.
type span struct {
	key            string
	floor, ceiling int64
	expires        time.Time
}

func (l *Limiter) span(key string, b Budget, now time.Time) span {
	if b.Fixed {
		start := now.Truncate(b.Window)
		return span{key: key + "/" + strconv.FormatInt(start.Unix(), 10), ceiling: int64(b.Max), expires: start.Add(b.Window)}
	}
	g := granted(now, b)
	return span{key: key, floor: g, ceiling: g + int64(b.Max), expires: now.Add(b.Window)}
}

// granted is floor(t * Max/Window), t counted in nanoseconds since 1970:
// the tokens the bucket has been refilled with by t.
func granted(t time.Time, b Budget) int64 {
	ns := uint64(max(t.UnixNano(), 0))
	w := uint64(b.Window)
	hi, lo := bits.Mul64(ns%w, uint64(b.Max))
	q, _ := bits.Div64(hi, lo, w) // hi < w, as ns%w < w: no overflow
	return int64(ns/w*uint64(b.Max) + q)
}

// nextToken returns how long after now the bucket, with count events
// taken, has a token again: the first t with granted(t) >= count+1-Max.
func nextToken(now time.Time, b Budget, count int64) time.Duration {
	need := count + 1 - int64(b.Max)
	if need <= 0 {
		return 0
	}
	// t = ceil(need * Window / Max) nanoseconds since 1970.
	hi, lo := bits.Mul64(uint64(need), uint64(b.Window))
	if hi >= uint64(b.Max) {
		return b.Window // a count beyond any time: wait a window
	}
	q, r := bits.Div64(hi, lo, uint64(b.Max))
	if r != 0 {
		q++
	}
	if q > 1<<63-1 {
		return b.Window
	}
	return min(time.Duration(int64(q)-now.UnixNano()), b.Window)
}

// Take takes one event from key's budget b and returns how many events it
// now holds taken (the tokens in use of a bucket, the events of a fixed
// window). When the budget is spent it takes nothing and returns a
// RateLimited error whose RetryAfter is the time until a token is back (a
// bucket) or the window ends (Fixed), with message. Of concurrent takers,
// exactly as many succeed as the budget has room for; none is refused for
// running at the same time as others. A zero budget always succeeds and
// stores nothing.
func (l *Limiter) Take(ctx context.Context, key string, b Budget, message string) (int, error) {
	if b.Off() {
		return 0, nil
	}
	now := l.now()
	sp := l.span(key, b, now)
	n, ok, err := l.Store.AddCount(ctx, sp.key, 1, sp.floor, sp.ceiling, sp.expires)
	if err != nil {
		return 0, err
	}
	if !ok {
		wait := sp.expires.Sub(now)
		if !b.Fixed {
			wait = nextToken(now, b, n)
		}
		return int(n - sp.floor), Limited(wait, message)
	}
	return int(n - sp.floor), nil
}

// Step is one counter change of a budget: the arguments of
// todo.CounterStore.AddCount (Key, Delta, Floor, Ceiling, Expires).
type Step struct {
	Key            string
	Delta          int64
	Floor, Ceiling int64
	Expires        time.Time
}

// TakeStep returns the counter change that Take makes to take one event
// from key's budget b now, for a caller that makes it inside a larger
// atomic write (todo.AtomicWriter's count writes) rather than by Take; ok
// is false when b is off (nothing to take). Applied, it takes exactly what
// Take takes; refused, the caller calls Take, which answers the
// RateLimited error and its wait.
func (l *Limiter) TakeStep(key string, b Budget) (st Step, ok bool) {
	if b.Off() {
		return Step{}, false
	}
	sp := l.span(key, b, l.now())
	return Step{Key: sp.key, Delta: 1, Floor: sp.floor, Ceiling: sp.ceiling, Expires: sp.expires}, true
}

// Give gives back one event taken from key's budget b (a request that
// turned out not to count, such as a log-in that succeeded, or a take that
// lost a later race). It is exact: the count goes down by one unless the
// budget is already full (an idle bucket, or a fixed window that has ended
// or holds nothing), where there is nothing to give back.
func (l *Limiter) Give(ctx context.Context, key string, b Budget) error {
	if b.Off() {
		return nil
	}
	sp := l.span(key, b, l.now())
	_, _, err := l.Store.AddCount(ctx, sp.key, -1, sp.floor, sp.ceiling, sp.expires)
	return err
}

// Count returns how many events key's budget b holds taken now (the
// tokens in use of a bucket, the events of the current fixed window),
// without changing it.
func (l *Limiter) Count(ctx context.Context, key string, b Budget) (int, error) {
	if b.Off() {
		return 0, nil
	}
	sp := l.span(key, b, l.now())
	n, _, err := l.Store.AddCount(ctx, sp.key, 0, sp.floor, sp.ceiling, sp.expires)
	if err != nil {
		return 0, err
	}
	return int(n - sp.floor), nil
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

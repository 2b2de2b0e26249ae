package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Report is what one soak run counted. Failed says whether it found a
// fault.
type Report struct {
	Clients  int           // clients that ran
	Requests int64         // API requests sent, retries and throttled ones included
	Elapsed  time.Duration // from the first client's start to the last client's check
	Ops      []OpStats     // per operation, by name

	// Throttled counts 429s and 503s with Retry-After (the password
	// hasher's "busy"): backed off and retried, not faults.
	Throttled int64
	// ServerErrors counts every other 5xx answer.
	ServerErrors int64
	// Errors counts the other faults: transport errors and timeouts,
	// unexpected statuses, bodies that break the API's promises (a todo
	// that comes back changed, an idempotent retry that answers another
	// id), a list page that differs from the model, a client that could
	// not sign up.
	Errors int64
	// The final read-back of every list, compared with the client's model.
	Lost       int // in the model, not on the server
	Duplicated int // on the server twice: an id listed twice, or a second todo with a title added once
	Phantom    int // on the server, never added by the client
	Mismatched int // on both, with another title or done
	Todos      int // todos in the models at the end
	Pages      int // pages read back

	Samples []string // the first few faults, for the log
}

// OpStats is the latency of one kind of request.
type OpStats struct {
	Name     string
	Count    int
	P50, P99 time.Duration
}

// Failed reports whether the run found any fault.
func (r *Report) Failed() bool {
	return r.ServerErrors > 0 || r.Errors > 0 || r.Lost > 0 || r.Duplicated > 0 || r.Phantom > 0 || r.Mismatched > 0
}

// Print writes the report under the heading name.
func (r *Report) Print(w io.Writer, name string) {
	fmt.Fprintf(w, "soak %s: %d clients, %s\n", name, r.Clients, r.Elapsed.Round(time.Millisecond))
	rate := 0.0
	if r.Elapsed > 0 {
		rate = float64(r.Requests) / r.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "  requests    %d (%.1f/s)\n", r.Requests, rate)
	for _, o := range r.Ops {
		fmt.Fprintf(w, "  %-11s %6d  p50 %8s  p99 %8s\n", o.Name, o.Count, round(o.P50), round(o.P99))
	}
	fmt.Fprintf(w, "  throttled   %d (429 or 503 with Retry-After; retried)\n", r.Throttled)
	fmt.Fprintf(w, "  checked     %d todos on %d pages\n", r.Todos, r.Pages)
	fmt.Fprintf(w, "  5xx %d  errors %d  lost %d  duplicated %d  phantom %d  mismatched %d\n",
		r.ServerErrors, r.Errors, r.Lost, r.Duplicated, r.Phantom, r.Mismatched)
	for _, s := range r.Samples {
		fmt.Fprintf(w, "  ! %s\n", s)
	}
	if r.Failed() {
		fmt.Fprintf(w, "  FAIL\n")
	} else {
		fmt.Fprintf(w, "  ok\n")
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// maxSamples bounds the faults a report keeps word for word.
const maxSamples = 12

// tally collects a run's counts from every client at once.
type tally struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	r         Report
}

func newTally() *tally { return &tally{latencies: map[string][]time.Duration{}} }

func (t *tally) request(op string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.Requests++
	t.latencies[op] = append(t.latencies[op], d)
}

func (t *tally) throttled() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.Throttled++
}

func (t *tally) serverError(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.ServerErrors++
	t.sample(format, args...)
}

func (t *tally) fault(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.Errors++
	t.sample(format, args...)
}

// check adds one client's read-back.
func (t *tally) check(c checked) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.Lost += len(c.lost)
	t.r.Duplicated += len(c.duplicated)
	t.r.Phantom += len(c.phantom)
	t.r.Mismatched += len(c.mismatched)
	t.r.Todos += c.todos
	t.r.Pages += c.pages
	for _, s := range c.problems() {
		t.sample("%s: %s", c.who, s)
	}
}

func (t *tally) sample(format string, args ...any) {
	if len(t.r.Samples) < maxSamples {
		t.r.Samples = append(t.r.Samples, fmt.Sprintf(format, args...))
	}
}

// report returns the counts with each operation's percentiles.
func (t *tally) report() Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.r
	r.Samples = slices.Clone(r.Samples)
	r.Ops = nil
	var all []time.Duration
	for _, name := range slices.Sorted(maps.Keys(t.latencies)) {
		ds := slices.Clone(t.latencies[name])
		all = append(all, ds...)
		r.Ops = append(r.Ops, stats(name, ds))
	}
	if len(all) > 0 {
		r.Ops = append(r.Ops, stats("all", all))
	}
	return r
}

func stats(name string, ds []time.Duration) OpStats {
	slices.Sort(ds)
	return OpStats{Name: name, Count: len(ds), P50: percentile(ds, 50), P99: percentile(ds, 99)}
}

// percentile is the nearest-rank p-th percentile of sorted ds.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := (p*len(ds)+99)/100 - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// checked is one client's list, read back and compared with its model.
type checked struct {
	who                                   string
	lost, duplicated, phantom, mismatched []string // descriptions
	todos, pages                          int
}

func (c checked) problems() []string {
	var out []string
	for _, g := range []struct {
		kind string
		l    []string
	}{{"lost", c.lost}, {"duplicated", c.duplicated}, {"phantom", c.phantom}, {"mismatched", c.mismatched}} {
		if len(g.l) > 0 {
			out = append(out, fmt.Sprintf("%d %s: %s", len(g.l), g.kind, strings.Join(first(g.l, 3), "; ")))
		}
	}
	return out
}

func first(l []string, n int) []string {
	if len(l) > n {
		return append(slices.Clone(l[:n]), "…")
	}
	return l
}

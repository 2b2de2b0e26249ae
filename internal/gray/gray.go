// Package gray is the window controller of a gray release (docs/release.md):
// while a share of the traffic goes to a candidate version, it reads each
// function's per-version counts from a Source at an interval, rolls the
// release back at the first breach of its Thresholds and promotes it when
// the window ends. cmd/graywindow runs it against the local cloud's front
// (LocalSource) or against Function Compute's request logs (FCLogs).
package gray

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"
)

// Stats are one version's counts since the candidate began taking traffic.
type Stats struct {
	Requests  int     `json:"requests"`
	Status5xx int     `json:"status5xx"`
	Errors    int     `json:"errors"` // failed invocations: crashes, timeouts, malformed answers
	P99Ms     float64 `json:"p99Ms"`
}

// Split is one function's production and candidate counts.
type Split struct {
	Production Stats `json:"production"`
	Candidate  Stats `json:"candidate"`
}

// Sample is what a source sees at one moment, by function.
type Sample map[string]Split

// Source reads the current sample.
type Source interface {
	Sample(ctx context.Context) (Sample, error)
}

// Actuator moves the traffic at the end of a window.
type Actuator interface {
	Promote(ctx context.Context) error  // all traffic to the candidate
	Rollback(ctx context.Context) error // all traffic back to production
}

// Thresholds are the gates of a window. A zero MaxP99 checks no latency.
type Thresholds struct {
	Max5xxRate  float64       // share of a function's candidate calls answered 5xx, e.g. 0.01
	MaxErrors   int           // failed invocations of a function's candidate
	MaxP99      time.Duration // p99 latency of a function's candidate
	MinRequests int           // calls a function's candidate needs before its rate and p99 are judged; and calls of all candidates together the window needs to promote
	// RequireEvery makes a function whose candidate had no calls by the end
	// of the window a failure; without it such a function is named in the
	// verdict (Verdict.Unexercised), never passed in silence.
	RequireEvery bool
}

// Decision is what a window does after a sample.
type Decision int

// The decisions.
const (
	Continue Decision = iota
	Promote
	Rollback
)

func (d Decision) String() string { return [...]string{"continue", "promote", "roll back"}[d] }

// Verdict is a decision and why.
type Verdict struct {
	Decision Decision
	Reason   string
	// Unexercised names the functions of the sample whose candidate had no
	// call by the end of the window: nothing judged them (set on a final
	// verdict only).
	Unexercised []string
}

// Judge decides on one sample: roll back at the first function whose
// candidate breaches a threshold; at the end of the window (final),
// promote, unless the candidates together had fewer than MinRequests calls
// (an idle candidate proves nothing: missing data is breaching).
//
// Below MinRequests calls a function's candidate has too few calls for a
// rate or a p99, but not for a 5xx: any 5xx of such a candidate is a
// failure, as AWS's canary alarm on Url5xxCount > 0 is (template.yml), so
// a candidate answering 1 of its 3 calls with 5xx is rolled back, and one
// answering 40 of 40 is never promoted. A function whose candidate had no
// call at all is listed in the final verdict's Unexercised and its reason,
// and fails the window when th.RequireEvery is set.
func Judge(s Sample, th Thresholds, final bool) Verdict {
	total := 0
	var idle []string
	for _, fn := range functions(s) {
		c := s[fn].Candidate
		total += c.Requests
		if c.Errors > th.MaxErrors {
			return Verdict{Decision: Rollback, Reason: fmt.Sprintf("%s: %d failed invocations of the candidate (at most %d)", fn, c.Errors, th.MaxErrors)}
		}
		if c.Requests < th.MinRequests {
			if c.Status5xx > 0 {
				return Verdict{Decision: Rollback, Reason: fmt.Sprintf("%s: %d of %d candidate calls answered 5xx (below %d calls any 5xx fails)",
					fn, c.Status5xx, c.Requests, th.MinRequests)}
			}
			if c.Requests == 0 {
				idle = append(idle, fn)
			}
			continue
		}
		if rate := float64(c.Status5xx) / float64(c.Requests); rate > th.Max5xxRate {
			return Verdict{Decision: Rollback, Reason: fmt.Sprintf("%s: %d of %d candidate calls answered 5xx (%.1f%%, at most %.1f%%)",
				fn, c.Status5xx, c.Requests, 100*rate, 100*th.Max5xxRate)}
		}
		if th.MaxP99 > 0 && c.P99Ms > float64(th.MaxP99)/float64(time.Millisecond) {
			return Verdict{Decision: Rollback, Reason: fmt.Sprintf("%s: candidate p99 %.1f ms (at most %v)", fn, c.P99Ms, th.MaxP99)}
		}
	}
	if !final {
		return Verdict{Decision: Continue}
	}
	if total < th.MinRequests || total == 0 {
		return Verdict{Decision: Rollback, Unexercised: idle,
			Reason: fmt.Sprintf("only %d calls reached the candidate (at least %d): an idle candidate is not promoted", total, th.MinRequests)}
	}
	if len(idle) > 0 && th.RequireEvery {
		return Verdict{Decision: Rollback, Unexercised: idle,
			Reason: fmt.Sprintf("no call reached the candidate of %s: every function must be exercised", strings.Join(idle, ", "))}
	}
	reason := fmt.Sprintf("the window ended with %d candidate calls within every threshold", total)
	if len(idle) > 0 {
		reason += fmt.Sprintf("; NOT JUDGED (no candidate call): %s", strings.Join(idle, ", "))
	}
	return Verdict{Decision: Promote, Reason: reason, Unexercised: idle}
}

func functions(s Sample) []string {
	out := make([]string, 0, len(s))
	for fn := range s {
		out = append(out, fn)
	}
	sort.Strings(out)
	return out
}

// P99 is the 99th percentile (nearest rank) of latencies in ms, 0 for none.
func P99(ms []float64) float64 {
	if len(ms) == 0 {
		return 0
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	i := (99*len(s)+99)/100 - 1
	return s[i]
}

// Window runs one gray window.
type Window struct {
	Source     Source
	Actuator   Actuator
	Duration   time.Duration // the whole window; promotion at its end
	Interval   time.Duration // between samples
	Thresholds Thresholds
	Log        *slog.Logger
	// MaxSourceFailures is how many samples in a row may fail before the
	// window rolls back (no data is breaching); 0 means 3.
	MaxSourceFailures int
	Now               func() time.Time                     // nil: time.Now
	After             func(time.Duration) <-chan time.Time // nil: time.After
}

// Run samples until a verdict, acts on it and returns it. It returns an
// error, having done nothing, when ctx ends first, and the actuator's error
// when the move fails.
func (w *Window) Run(ctx context.Context) (Verdict, error) {
	now, after := w.Now, w.After
	if now == nil {
		now = time.Now
	}
	if after == nil {
		after = time.After
	}
	maxFail := w.MaxSourceFailures
	if maxFail == 0 {
		maxFail = 3
	}
	start := now()
	end := start.Add(w.Duration)
	w.Log.Info("window open", "duration", w.Duration, "interval", w.Interval, "max5xx", fmt.Sprintf("%.1f%%", 100*w.Thresholds.Max5xxRate),
		"maxErrors", w.Thresholds.MaxErrors, "maxP99", w.Thresholds.MaxP99, "minRequests", w.Thresholds.MinRequests)
	failures := 0
	for {
		wait := min(w.Interval, max(end.Sub(now()), 0))
		select {
		case <-ctx.Done():
			return Verdict{}, ctx.Err()
		case <-after(wait):
		}
		elapsed := now().Sub(start).Round(10 * time.Millisecond)
		s, err := w.Source.Sample(ctx)
		var v Verdict
		switch {
		case err != nil && failures+1 >= maxFail:
			v = Verdict{Decision: Rollback, Reason: fmt.Sprintf("%d samples in a row failed (%v): no data is breaching", failures+1, err)}
		case err != nil:
			failures++
			w.Log.Warn("sample failed", "t", elapsed, "error", err)
			continue
		default:
			failures = 0
			w.logSample(elapsed, s)
			v = Judge(s, w.Thresholds, !now().Before(end))
		}
		if v.Decision == Continue {
			continue
		}
		return v, w.act(ctx, elapsed, v)
	}
}

func (w *Window) act(ctx context.Context, elapsed time.Duration, v Verdict) error {
	w.Log.Info(strings.ToUpper(v.Decision.String()), "t", elapsed, "reason", v.Reason)
	if len(v.Unexercised) > 0 {
		w.Log.Warn("not judged: no call reached these candidates", "functions", strings.Join(v.Unexercised, ","))
	}
	var err error
	if v.Decision == Promote {
		err = w.Actuator.Promote(ctx)
	} else {
		err = w.Actuator.Rollback(ctx)
	}
	if err != nil {
		return fmt.Errorf("gray: %s: %w", v.Decision, err)
	}
	w.Log.Info("done", "t", elapsed, "decision", v.Decision.String())
	return nil
}

func (w *Window) logSample(elapsed time.Duration, s Sample) {
	for _, fn := range functions(s) {
		p, c := s[fn].Production, s[fn].Candidate
		w.Log.Info("sample", "t", elapsed, "function", fn,
			"candidate", fmt.Sprintf("%d calls %d 5xx %d errors p99 %.1fms", c.Requests, c.Status5xx, c.Errors, c.P99Ms),
			"production", fmt.Sprintf("%d calls %d 5xx %d errors p99 %.1fms", p.Requests, p.Status5xx, p.Errors, p.P99Ms))
	}
}

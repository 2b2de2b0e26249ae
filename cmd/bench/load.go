package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// The load generator is our own small closed loop rather than hey, wrk or
// vegeta: each of N workers holds one keep-alive connection and sends the
// next request as soon as the last answer is read, so the figure is the
// server's capacity at N connections (vegeta paces requests at a set rate
// instead, hey's packages are a main program, not a library, and wrk is C
// with Lua scripts). Every latency is kept, so p50 and p99 are exact, and
// the same client measures all three servers.

// loadResult is what a load run measured.
type loadResult struct {
	requests  int
	errors    int // transport errors and statuses other than the wanted one
	elapsed   time.Duration
	latencies []time.Duration
}

func (r loadResult) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// add merges r2 into r (the slices of interleaved rounds).
func (r *loadResult) add(r2 loadResult) {
	r.requests += r2.requests
	r.errors += r2.errors
	r.elapsed += r2.elapsed
	r.latencies = append(r.latencies, r2.latencies...)
}

// percentile returns the p-th percentile (0 < p ≤ 100) of the latencies,
// nearest rank.
func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// newTransport is one worker's transport: one connection, kept alive.
func newTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		DisableCompression:  true,
	}
}

// hammer sends GET url with header hdr from conns workers for d and
// returns what it measured; want is the status a right answer has.
func hammer(ctx context.Context, url string, hdr http.Header, conns int, d time.Duration, want int) loadResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	results := make([]loadResult, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conns {
		wg.Go(func() {
			hc := &http.Client{Transport: newTransport(), Timeout: 10 * time.Second}
			defer hc.CloseIdleConnections()
			res := &results[i]
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
				req.Header = hdr
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						res.errors++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if ctx.Err() != nil && resp.StatusCode != want {
					continue
				}
				res.requests++
				res.latencies = append(res.latencies, time.Since(t0))
				if resp.StatusCode != want {
					res.errors++
				}
			}
		})
	}
	wg.Wait()
	out := loadResult{elapsed: time.Since(start)}
	for _, r := range results {
		out.requests += r.requests
		out.errors += r.errors
		out.latencies = append(out.latencies, r.latencies...)
	}
	return out
}

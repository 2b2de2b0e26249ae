package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/todofn/todofn/internal/gray"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// A gray release on the local cloud (docs/release.md): with -candidate-bin,
// every HTTP function that has a binary there runs twice, the production
// build and the candidate, and the front sends each call of such a function
// to the candidate with probability -candidate-weight, drawn from a random
// source seeded with -gray-seed (as FC's and Lambda's weighted aliases draw
// per call). It counts each version's calls, 5xx answers, failed
// invocations and latencies, serves them at GET /_gray (gray.LocalState)
// for cmd/graywindow, and moves the weight to 1 (POST /_gray/promote) or 0
// (POST /_gray/rollback). Each answer says which build served it in
// X-Gray-Version (production or candidate).

// grayHeader names the build that answered a call.
const grayHeader = "X-Gray-Version"

// grayMaxLatencies bounds the latencies kept per version (the newest stay).
const grayMaxLatencies = 10000

// grayRouter splits calls between production and candidate builds.
type grayRouter struct {
	mu         sync.Mutex
	rnd        *rand.Rand
	weight     float64
	candidates map[string]invoker // by function
	counts     map[string]*[2]versionCounts
}

type versionCounts struct {
	requests, status5xx, errors int
	latencies                   []float64 // ms
}

const (
	production = 0
	candidate  = 1
)

var roleName = [2]string{"production", "candidate"}

func newGrayRouter(candidates map[string]invoker, weight float64, seed uint64) *grayRouter {
	g := &grayRouter{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), weight: weight,
		candidates: candidates, counts: map[string]*[2]versionCounts{}}
	for fn := range candidates {
		g.counts[fn] = &[2]versionCounts{}
	}
	return g
}

// pick returns the invoker for one call of fn (prod unless the draw sends
// it to fn's candidate) and the function that records its outcome.
func (g *grayRouter) pick(fn string, prod invoker) (invoker, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	cand, ok := g.candidates[fn]
	if !ok {
		return prod, -1
	}
	if g.weight >= 1 || (g.weight > 0 && g.rnd.Float64() < g.weight) {
		return cand, candidate
	}
	return prod, production
}

// record counts one call of fn's role: its status (0 if none was written)
// and whether the invocation failed.
func (g *grayRouter) record(fn string, role, status int, failed bool, took time.Duration) {
	if role < 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	c := &g.counts[fn][role]
	c.requests++
	if status >= 500 || status == 0 {
		c.status5xx++
	}
	if failed {
		c.errors++
	}
	c.latencies = append(c.latencies, float64(took.Microseconds())/1000)
	if len(c.latencies) > grayMaxLatencies {
		c.latencies = c.latencies[len(c.latencies)-grayMaxLatencies:]
	}
}

func (g *grayRouter) state() gray.LocalState {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := gray.LocalState{Weight: g.weight, Functions: gray.Sample{}}
	for fn, c := range g.counts {
		stats := func(v versionCounts) gray.Stats {
			return gray.Stats{Requests: v.requests, Status5xx: v.status5xx, Errors: v.errors, P99Ms: gray.P99(v.latencies)}
		}
		st.Functions[fn] = gray.Split{Production: stats(c[production]), Candidate: stats(c[candidate])}
	}
	return st
}

// serve answers the /_gray paths; it reports whether r was one.
func (g *grayRouter) serve(w http.ResponseWriter, r *http.Request) bool {
	move := map[string]float64{gray.LocalPromotePath: 1, gray.LocalRollbackPath: 0}
	switch weight, ok := move[r.URL.Path]; {
	case r.URL.Path == gray.LocalStatsPath && r.Method == http.MethodGet:
		wire.WriteJSON(w, http.StatusOK, g.state())
	case ok && r.Method == http.MethodPost:
		g.mu.Lock()
		g.weight = weight
		g.mu.Unlock()
		wire.WriteJSON(w, http.StatusOK, g.state())
	case ok || r.URL.Path == gray.LocalStatsPath:
		wire.Error(w, todo.MethodNotAllowed, "Read /_gray with GET; promote or roll back with POST.")
	default:
		return false
	}
	return true
}

// candidates starts, for every HTTP function this run serves that has a
// binary in -candidate-bin, a second runtime with that binary (child
// <fn>+), and returns the router, or nil without -candidate-bin.
func (c *cloud) candidates(env map[string]string, start func(name, fn, bin string, env map[string]string) (invoker, error)) (*grayRouter, error) {
	if c.o.candidateBin == "" {
		return nil, nil
	}
	cands := map[string]invoker{}
	for _, fn := range c.o.names() {
		if f, _ := route.Lookup(fn); !f.HTTP() {
			continue // the mailer's calls come from the stream player, not the front
		}
		bin, err := binary(c.o.candidateBin, fn)
		if err != nil {
			continue
		}
		if cands[fn], err = start(fn+"+", fn, bin, env); err != nil {
			return nil, err
		}
		c.log.Info("gray: candidate build", "function", fn, "binary", bin, "weight", c.o.candidateWeight)
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("no candidate binary in %s for the functions run here", c.o.candidateBin)
	}
	return newGrayRouter(cands, c.o.candidateWeight, c.o.graySeed), nil
}

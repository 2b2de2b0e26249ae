package main

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/todofn/todofn/internal/benchtest"
	"github.com/todofn/todofn/internal/devstack"
)

// buildRef builds ./cmd/local of the git ref into bin: the tree of ref is
// written into a temporary folder by git archive (a read of the
// repository: no worktree is registered, nothing in .git changes) and
// built there.
func buildRef(ctx context.Context, root, ref, bin string) error {
	src, err := os.MkdirTemp(filepath.Dir(bin), "ref-src-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(src)
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar", ref)
	cmd.Dir = root
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := untar(out, src); err != nil {
		_ = cmd.Wait()
		return fmt.Errorf("git archive %s: %w", ref, err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %v: %s", ref, err, stderr.String())
	}
	return goBuild(ctx, src, "", bin, "./cmd/local")
}

// untar writes a tar stream's regular files and folders under dir.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, filepath.Clean(dir)+string(filepath.Separator)) {
			return fmt.Errorf("tar entry %q leaves the folder", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o750); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			_, err = io.CopyN(f, tr, h.Size)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}

// mixClient is one client of the mixed load: its session and its todos.
type mixClient struct {
	c   *benchtest.Client
	ids []string
	rng *rand.Rand
}

// mixTally is what a mixed run measured.
type mixTally struct {
	mu  sync.Mutex
	res loadResult
	ops map[string]int
	bad map[string]int // answers other than the expected, by "op status"
}

func (t *mixTally) record(op string, d time.Duration, ok bool, status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.res.requests++
	t.res.latencies = append(t.res.latencies, d)
	t.ops[op]++
	if !ok {
		t.res.errors++
		t.bad[fmt.Sprintf("%s %d", op, status)]++
	}
}

// step makes one call: an add, a tick, a list or a delete, chosen at
// random (a client with 40 todos deletes or ticks rather than adds, so
// lists stay under a page). The call runs to its end even when the run's
// time is up (ctx is not the run's), so the client's list stays true.
func (m *mixClient) step(ctx context.Context, t *mixTally) {
	p := m.rng.Float64()
	if len(m.ids) == 0 {
		p = 0
	}
	if len(m.ids) >= 40 && p < 0.35 {
		p = 0.9
	}
	var op, method, path string
	var body any
	want := 200
	i := 0
	switch {
	case p < 0.35:
		op, method, path, body, want = "add", "POST", "/todos", map[string]any{"title": "mixed load todo"}, 201
	case p < 0.6:
		i = m.rng.IntN(len(m.ids))
		op, method, path, body = "tick", "PATCH", "/todos/"+m.ids[i], map[string]any{"done": m.rng.IntN(2) == 0}
	case p < 0.85:
		op, method, path = "list", "GET", "/todos"
	default:
		i = m.rng.IntN(len(m.ids))
		op, method, path, want = "delete", "DELETE", "/todos/"+m.ids[i], 204
	}
	t0 := time.Now()
	r, err := m.c.Do(ctx, method, path, body)
	d := time.Since(t0)
	t.record(op, d, err == nil && r.Status == want, r.Status)
	if err != nil || r.Status != want {
		return
	}
	switch op {
	case "add":
		var td struct{ ID string }
		if r.JSON(&td) == nil && td.ID != "" {
			m.ids = append(m.ids, td.ID)
		}
	case "delete":
		m.ids = append(m.ids[:i], m.ids[i+1:]...)
	}
}

// signUpMany signs n clients up on base, a few at a time (each sign-up
// hashes passwords three times), retrying a busy server's 503.
func signUpMany(ctx context.Context, base, prefix string, n int) ([]*mixClient, error) {
	out := make([]*mixClient, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	var seed uint64
	for i := range n {
		seed++
		seed := seed
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			hc := &http.Client{Transport: newTransport(), Timeout: 30 * time.Second}
			var err error
			for try := range 5 {
				var c *benchtest.Client
				c, err = benchtest.SignUp(ctx, base, fmt.Sprintf("%s%d.try%d@example.com", prefix, i, try), "a long bench password", hc)
				if err == nil {
					out[i] = &mixClient{c: c, rng: rand.New(rand.NewPCG(seed, 1))}
					return
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// runMix runs every client's loop for d: no call starts after d; the
// elapsed time counts until the last call in flight has answered.
func runMix(ctx context.Context, clients []*mixClient, d time.Duration, t *mixTally) {
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for _, m := range clients {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				m.step(ctx, t)
			}
		})
	}
	wg.Wait()
	t.mu.Lock()
	t.res.elapsed += time.Since(start)
	t.mu.Unlock()
}

// mixed runs o.mixedClients clients adding, ticking, listing and deleting
// on the local server of this tree and of o.ref (both on the embedded
// store, per-IP budgets off, the per-user write budget out of reach), each
// for o.mixedDuration in two interleaved halves.
func mixed(ctx context.Context, o options, r *report) error {
	nowBin := filepath.Join(o.work, "local")
	if err := goBuild(ctx, o.root, localTags, nowBin, "./cmd/local"); err != nil {
		return err
	}
	refBin := filepath.Join(o.work, "local-"+o.ref)
	if err := buildRef(ctx, o.root, o.ref, refBin); err != nil {
		return err
	}
	type side struct {
		name    string
		srv     *devstack.Server
		clients []*mixClient
		tally   *mixTally
	}
	var sides []*side
	for _, s := range []struct{ name, bin string }{{"this tree", nowBin}, {o.ref, refBin}} {
		data, err := os.MkdirTemp(o.work, "mixed-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(data)
		srv, err := startLocal(ctx, s.bin, data, nil)
		if err != nil {
			return err
		}
		defer srv.Stop()
		clients, err := signUpMany(ctx, srv.URL, "mix", o.mixedClients)
		if err != nil {
			return fmt.Errorf("%s: sign up: %w", s.name, err)
		}
		sides = append(sides, &side{name: s.name, srv: srv, clients: clients, tally: &mixTally{ops: map[string]int{}, bad: map[string]int{}}})
	}
	for range 2 {
		for _, s := range sides {
			runMix(ctx, s.clients, o.mixedDuration/2, s.tally)
		}
	}
	fmt.Fprintf(r.w, "%d clients adding, ticking, listing, deleting; %s each in two interleaved halves; embedded store, limits off\n", o.mixedClients, o.mixedDuration)
	for _, s := range sides {
		t := s.tally
		fmt.Fprintf(r.w, "%-12s %7.0f req/s  p50 %s  p99 %s  (%d requests: %v; %d unexpected answers %v)\n", s.name, t.res.rps(),
			ms(t.res.percentile(50)), ms(t.res.percentile(99)), t.res.requests, t.ops, t.res.errors, t.bad)
	}
	now, old := sides[0].tally.res, sides[1].tally.res
	if now.errors > 0 {
		return fmt.Errorf("this tree answered %d unexpected statuses: %v", now.errors, sides[0].tally.bad)
	}
	ratio := now.rps() / old.rps()
	r.target(fmt.Sprintf("mixed load ≥ 1.5 × the code of %s, p99 < 100 ms", o.ref),
		fmt.Sprintf("%.0f against %.0f req/s; p50 %s against %s; p99 %s against %s", now.rps(), old.rps(),
			ms(now.percentile(50)), ms(old.percentile(50)), ms(now.percentile(99)), ms(old.percentile(99))),
		fmt.Sprintf("%.2f ×", ratio), ratio >= 1.5 && now.percentile(99) < 100*time.Millisecond)
	return nil
}

package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTagsAreTheMakefiles keeps cmd/bench's build tags those the Makefile
// builds with (one fact, one place: the Makefile states them).
func TestTagsAreTheMakefiles(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"AWS_TAGS": awsTags, "FC_TAGS": fcTags, "LOCAL_TAGS": localTags} {
		m := regexp.MustCompile(`(?m)^` + name + ` := (\S+)$`).FindSubmatch(mk)
		if m == nil || string(m[1]) != want {
			t.Errorf("the Makefile's %s is %q, cmd/bench builds with %q", name, m, want)
		}
	}
}

// TestReadGoBench reads the medians of repeated benchmark lines, with and
// without -benchmem figures, and skips every other line.
func TestReadGoBench(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.txt")
	text := `goos: linux
BenchmarkTodoRoutes/list50-2         	    3000	    300000 ns/op	   65000 B/op	     654 allocs/op
BenchmarkTodoRoutes/list50-2         	    3000	    100000 ns/op	   64000 B/op	     650 allocs/op
BenchmarkTodoRoutes/list50-2         	    3000	    200000 ns/op	   66000 B/op	     652 allocs/op
BenchmarkHash   	      20	  50000000 ns/op
PASS
ok  	github.com/todofn/todofn/pkg/api	12.3s
`
	if err := os.WriteFile(out, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	figs, order, err := readGoBench(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != "BenchmarkTodoRoutes/list50" || order[1] != "BenchmarkHash" {
		t.Fatalf("order %v", order)
	}
	if f := figs["BenchmarkTodoRoutes/list50"]; f.ns != 200000 || f.bytes != 65000 || f.allocs != 652 || f.runs != 3 {
		t.Errorf("list50 %+v, want the medians 200000 ns, 65000 B, 652 allocs of 3 runs", f)
	}
	if f := figs["BenchmarkHash"]; f.ns != 50000000 || f.allocs != 0 {
		t.Errorf("hash %+v", f)
	}
}

// TestPercentile is nearest-rank: of 1..100 ms, p50 is 50 ms and p99 99 ms.
func TestPercentile(t *testing.T) {
	var r loadResult
	for i := 100; i >= 1; i-- {
		r.latencies = append(r.latencies, time.Duration(i)*time.Millisecond)
	}
	if p := r.percentile(50); p != 50*time.Millisecond {
		t.Errorf("p50 %s", p)
	}
	if p := r.percentile(99); p != 99*time.Millisecond {
		t.Errorf("p99 %s", p)
	}
	r.requests, r.elapsed = 100, 2*time.Second
	if r.rps() != 50 {
		t.Errorf("rps %v", r.rps())
	}
}

// TestGoBenchWarmIsList50BesideACold: with list50 and list50-cold (cache
// on, cache off), list50 is the warm figure, and the cache target compares
// the two.
func TestGoBenchWarmIsList50BesideACold(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.txt")
	text := "BenchmarkTodoRoutes/list50-2 \t 3000\t 50000 ns/op\t 29000 B/op\t 76 allocs/op\n" +
		"BenchmarkTodoRoutes/list50-cold-2 \t 3000\t 200000 ns/op\t 33000 B/op\t 156 allocs/op\n"
	if err := os.WriteFile(out, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &report{w: io.Discard}
	if err := goBench(options{gobench: out}, r); err != nil {
		t.Fatal(err)
	}
	if len(r.targets) != 2 || !r.targets[0].met || !r.targets[1].met {
		t.Fatalf("targets %+v, want both met (50 µs and 76 allocs warm; 150 µs saved)", r.targets)
	}
	if !strings.Contains(r.targets[1].figure, "cold 200.0 µs, warm 50.0 µs") {
		t.Errorf("cache figure %q", r.targets[1].figure)
	}
}

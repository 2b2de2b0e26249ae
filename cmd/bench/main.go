// Command bench is the side-by-side part of `make bench` (issue 20): it
// measures the project against small reference programs in the same run,
// on this machine, and prints every figure with its ratio and whether
// issue 20's target is met.
//
//	go run ./cmd/bench                       # everything (make bench runs it after the Go benchmarks)
//	go run ./cmd/bench -only throughput,cold # some sections
//	go run ./cmd/bench -duration 30s -mixed-duration 30s -rounds 15   # longer, steadier
//
// Sections (-only):
//   - gobench: the handler path of GET /todos with 50 items, read from the
//     Go benchmarks' output (-gobench, what make bench just ran).
//   - roundtrips: store calls per todo route over dynalite and the
//     Tablestore double (internal/benchtest; e2e's TestRoundTrips holds
//     them to budgets).
//   - throughput: GET /todos with 50 todos, 8 connections, on the local
//     server (embedded store, limits off), a bare net/http floor
//     (bench/floor-http) and a Node/Express server (bench/express),
//     interleaved.
//   - mixed: 64 clients adding, ticking, listing and deleting on the local
//     server of this tree and of -ref (two rounds ago), interleaved.
//   - cold: start → first answer of every function under the Lambda
//     runtime interface emulator, on the embedded store and on dynalite,
//     against a hello-world aws-lambda-go bootstrap (bench/hello-lambda),
//     interleaved rounds.
//   - sizes: every function built stripped for AWS (linux/arm64) and FC
//     (linux/amd64) by the Makefile's build_fn, against the SDK floors
//     (bench/floor-dynamodb, bench/floor-tablestore) built alike; zips as
//     cmd/pack writes them.
//   - memory: peak resident memory (VmHWM) of each HTTP function, run as a
//     plain HTTP server, after 1,000 requests.
//
// The reference programs under bench/ that link a cloud SDK carry the
// benchfloor build tag, so they stay out of the module's ordinary builds.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/repo"
)

func main() { devstack.Main(run) }

var sections = []string{"gobench", "roundtrips", "throughput", "mixed", "cold", "sizes", "memory"}

// options are the flags.
type options struct {
	root          string
	work          string
	gobench       string
	duration      time.Duration
	conns         int
	mixedDuration time.Duration
	mixedClients  int
	ref           string
	rounds        int
	requests      int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	only := fs.String("only", strings.Join(sections, ","), "the sections to run, comma-separated: "+strings.Join(sections, ", "))
	fs.StringVar(&o.gobench, "gobench", "build/bench/gobench.txt", "the Go benchmarks' output to read (gobench section)")
	fs.StringVar(&o.work, "work", "build/bench", "folder for builds and data")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "throughput: how long each server is loaded (in four interleaved quarters)")
	fs.IntVar(&o.conns, "conns", 8, "throughput: connections")
	fs.DurationVar(&o.mixedDuration, "mixed-duration", 10*time.Second, "mixed: how long each server is loaded (in two interleaved halves)")
	fs.IntVar(&o.mixedClients, "mixed-clients", 64, "mixed: clients")
	fs.StringVar(&o.ref, "ref", "b91fccf", "mixed: the git ref of the code to compare with (two rounds ago: the end of the first day)")
	fs.IntVar(&o.rounds, "rounds", 7, "cold: interleaved rounds")
	fs.IntVar(&o.requests, "requests", 1000, "memory: requests per function")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	root, err := repo.Root()
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	o.root = root
	if !filepath.IsAbs(o.work) {
		o.work = filepath.Join(root, o.work)
	}
	if !filepath.IsAbs(o.gobench) {
		o.gobench = filepath.Join(root, o.gobench)
	}
	if err := os.MkdirAll(o.work, 0o750); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	want := strings.Split(*only, ",")
	for _, s := range want {
		if !slices.Contains(sections, s) {
			fmt.Fprintf(stderr, "bench: unknown section %q (want %s)\n", s, strings.Join(sections, ", "))
			return 2
		}
	}
	r := &report{w: stdout}
	fmt.Fprintf(stdout, "cmd/bench on %s (figures depend on what else the machine runs)\n", machine())
	failed := false
	for _, s := range sections {
		if !slices.Contains(want, s) {
			continue
		}
		fmt.Fprintf(stdout, "\n== %s\n", s)
		began := time.Now()
		var err error
		switch s {
		case "gobench":
			err = goBench(o, r)
		case "roundtrips":
			err = roundTrips(ctx, o, r)
		case "throughput":
			err = throughput(ctx, o, r)
		case "mixed":
			err = mixed(ctx, o, r)
		case "cold":
			err = coldStarts(ctx, o, r)
		case "sizes":
			err = sizes(ctx, o, r)
		case "memory":
			err = memory(ctx, o, r)
		}
		if err != nil {
			failed = true
			fmt.Fprintf(stdout, "%s: FAILED: %v\n", s, err)
			r.target(s, "the section failed: "+firstLine(err.Error()), "", false)
		}
		fmt.Fprintf(stdout, "(%s took %s)\n", s, time.Since(began).Round(100*time.Millisecond))
		if ctx.Err() != nil {
			break
		}
	}
	r.print()
	if failed {
		return 1
	}
	return 0
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// machine describes this machine in a few words.
func machine() string {
	cpus := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := strings.Count(string(b), "\nprocessor") + 1
		model := ""
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		cpus = fmt.Sprintf("%d × %s", n, model)
	}
	return cpus
}

// report collects issue 20's targets with their figures.
type report struct {
	w       io.Writer
	targets []targetRow
}

type targetRow struct {
	name, figure, ratio string
	met                 bool
}

// target records one target's outcome.
func (r *report) target(name, figure, ratio string, met bool) {
	r.targets = append(r.targets, targetRow{name, figure, ratio, met})
}

func (r *report) print() {
	fmt.Fprintf(r.w, "\n== issue 20's targets\n")
	met := 0
	for _, t := range r.targets {
		mark := "NOT met"
		if t.met {
			mark = "met"
			met++
		}
		ratio := ""
		if t.ratio != "" {
			ratio = " (" + t.ratio + ")"
		}
		fmt.Fprintf(r.w, "%-8s %s: %s%s\n", mark, t.name, t.figure, ratio)
	}
	fmt.Fprintf(r.w, "%d of %d met\n", met, len(r.targets))
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// mib formats a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

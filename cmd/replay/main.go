// Command replay is a Diffy-style release gate: it replays a traffic file
// (cmd/traffic) to three local servers, a primary and a secondary built from
// the baseline and a candidate built from HEAD, one request at a time, and
// compares the candidate's answers (status, chosen headers, JSON bodies)
// with the primary's. Fields in which primary and secondary differ (ids,
// timestamps, tokens) are noise and ignored; any other difference fails
// the gate with a report naming the request.
//
//	replay -traffic FILE [-base REF] [-candidate REF]   # make replay BASE=<ref>
//
// Each instance is cmd/local (every function on one port, the embedded
// store, a dev mailbox) with its own data folder and the same keys; the
// replay puts each instance's own ids, tokens and mailed codes in place of
// the recorded ones. Exit status: 0 no differences, 1 differences, 2 the
// replay could not run.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	traffic := flag.String("traffic", "cmd/replay/testdata/session.traffic.jsonl", "the traffic file to replay")
	base := flag.String("base", "HEAD~1", "git ref of the baseline (primary and secondary)")
	candidate := flag.String("candidate", "HEAD", `git ref of the candidate ("." for the working tree)`)
	baseBin := flag.String("base-bin", "", "a built baseline cmd/local to use instead of building -base")
	candidateBin := flag.String("candidate-bin", "", "a built candidate cmd/local to use instead of building -candidate")
	flag.Parse()
	code, err := gate(os.Stdout, *traffic, *base, *candidate, *baseBin, *candidateBin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func gate(w io.Writer, traffic, base, candidate, baseBin, candidateBin string) (int, error) {
	entries, err := readTraffic(traffic)
	if err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp("", "todofn-replay-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	root, err := git(".", "rev-parse", "--show-toplevel")
	if err != nil {
		return 0, fmt.Errorf("not in a git checkout: %s", root)
	}
	names := map[string]string{}
	for _, b := range []struct {
		bin       *string
		ref, name string
	}{
		{&baseBin, base, "baseline"}, {&candidateBin, candidate, "candidate"},
	} {
		if *b.bin != "" {
			names[b.name] = *b.bin
			continue
		}
		fmt.Fprintf(os.Stderr, "replay: building the %s from %s\n", b.name, b.ref)
		*b.bin = filepath.Join(tmp, b.name+".bin")
		if names[b.name], err = build(strings.TrimSpace(string(root)), b.ref, *b.bin); err != nil {
			return 0, err
		}
	}
	header := fmt.Sprintf("replay of %s\n  primary, secondary: %s\n  candidate:          %s",
		traffic, names["baseline"], names["candidate"])
	diffs, err := replay(w, header, entries, tmp, baseBin, candidateBin)
	if err != nil || len(diffs) > 0 {
		return 1, err
	}
	return 0, nil
}

// replay starts the three servers, replays entries and writes the report.
func replay(w io.Writer, header string, entries []Entry, dir, baseBin, candidateBin string) ([]Difference, error) {
	shared, err := keys()
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, s := range []struct{ name, bin string }{
		{"primary", baseBin}, {"secondary", baseBin}, {"candidate", candidateBin},
	} {
		srv, err := start(s.bin, filepath.Join(dir, s.name), shared)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		urls = append(urls, srv.url)
	}
	return compareAt(w, header, entries, urls[0], urls[1], urls[2]), nil
}

// compareAt replays entries to the three base URLs and reports.
func compareAt(w io.Writer, header string, entries []Entry, primary, secondary, candidate string) []Difference {
	p, s, c := newInstance("primary", primary), newInstance("secondary", secondary), newInstance("candidate", candidate)
	xs := make([]exchange, 0, len(entries))
	for _, e := range entries {
		xs = append(xs, exchange{entry: e, route: routeOf(e.Request.Method, e.Request.Path),
			primary: fields(p.send(e)), secondary: fields(s.send(e)), candidate: fields(c.send(e))})
	}
	noise, diffs := analyse(xs)
	report(w, header, xs, noise, diffs)
	return diffs
}

func readTraffic(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var entries []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: no exchanges", path)
	}
	return entries, nil
}

package gray

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// FCLogs is the Function Compute source, an adapter over the functions'
// request logs, since no metric API is called from here: at each sample it
// runs Command (through sh -c) and reads what it prints, which is either
//
//   - `s <resource> logs` output, each line prefixed "<resource> | " (what
//     `deploy/fcrelease.sh logs SINCE` prints for every function), or
//   - a Log Service query result: a JSON array of log objects, or one JSON
//     object per line, each the metrics line itself or holding it as a
//     string in "content" or "message".
//
// Each metrics line (msg "request", pkg/platform's MetricsLine) counts
// once per request id: as the candidate's when its version is its
// function's canary version (Canary), else as production's. Command must
// print everything since the canary began, each time (the counts are
// recomputed from it). A failed invocation writes no metrics line; an
// "FC Invoke End ... Error" line counts as an error of the candidate,
// whose version it does not name (an error that cannot be placed stops
// the release rather than passing it).
type FCLogs struct {
	Command string
	Canary  map[string]string // s.yaml resource (fn-register) -> its canary version
	// Exec runs the command; nil runs it with sh -c.
	Exec func(ctx context.Context, command string) ([]byte, error)
}

// Sample implements Source.
func (f FCLogs) Sample(ctx context.Context) (Sample, error) {
	run := f.Exec
	if run == nil {
		run = func(ctx context.Context, command string) ([]byte, error) {
			return exec.CommandContext(ctx, "sh", "-c", command).Output()
		}
	}
	out, err := run(ctx, f.Command)
	if err != nil {
		return nil, fmt.Errorf("gray: %s: %w", f.Command, err)
	}
	return f.Parse(out), nil
}

// metricsLine is the part of pkg/platform's MetricsLine the window reads.
type metricsLine struct {
	Msg       string  `json:"msg"`
	Function  string  `json:"function"`
	Version   string  `json:"version"`
	Status    int     `json:"status"`
	Latency   float64 `json:"latency"`
	RequestID string  `json:"requestId"`
}

var invokeError = regexp.MustCompile(`FC Invoke End RequestId: ([^\s,]+).*\bError\b`)

// Parse counts the metrics lines of out (see FCLogs).
func (f FCLogs) Parse(out []byte) Sample {
	c := counter{canary: f.Canary, seen: map[string]bool{}, lat: map[string][]float64{}, s: Sample{}}
	trimmed := bytes.TrimSpace(out)
	if bytes.HasPrefix(trimmed, []byte("[")) {
		var rows []json.RawMessage
		if json.Unmarshal(trimmed, &rows) == nil {
			for _, r := range rows {
				c.object("", r)
			}
			return c.done()
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		res, rest, ok := strings.Cut(line, " | ")
		if !ok || strings.ContainsAny(res, " {") {
			res, rest = "", line
		}
		if m := invokeError.FindStringSubmatch(rest); m != nil {
			c.failed(res, m[1])
			continue
		}
		if i := strings.IndexByte(rest, '{'); i >= 0 {
			c.object(res, json.RawMessage(rest[i:]))
		}
	}
	return c.done()
}

type counter struct {
	canary map[string]string
	seen   map[string]bool
	lat    map[string][]float64 // by function + "\x00" + role
	s      Sample
}

// object counts one log object: a metrics line, or one holding it as text.
func (c *counter) object(res string, raw json.RawMessage) {
	var m metricsLine
	if json.Unmarshal(raw, &m) == nil && m.Msg == "request" && m.Status != 0 {
		c.add(res, m)
		return
	}
	var wrapper map[string]any
	if json.Unmarshal(raw, &wrapper) != nil {
		return
	}
	for _, k := range []string{"content", "message", "__content__"} {
		if s, ok := wrapper[k].(string); ok {
			if i := strings.IndexByte(s, '{'); i >= 0 {
				c.object(res, json.RawMessage(s[i:]))
				return
			}
		}
	}
}

// resource names the function of a line: its prefix, else the s.yaml
// resource whose name ends the FC function's (fn-register, todofn-test-register).
func (c *counter) resource(res, function string) string {
	if res != "" {
		return res
	}
	for r := range c.canary {
		if function == r || strings.HasSuffix(function, "-"+strings.TrimPrefix(r, "fn-")) {
			return r
		}
	}
	return function
}

func (c *counter) add(res string, m metricsLine) {
	if m.RequestID != "" {
		if c.seen[m.RequestID] {
			return
		}
		c.seen[m.RequestID] = true
	}
	fn := c.resource(res, m.Function)
	sp := c.s[fn]
	st, role := &sp.Production, "production"
	if v, ok := c.canary[fn]; ok && v != "" && v == m.Version {
		st, role = &sp.Candidate, "candidate"
	}
	st.Requests++
	if m.Status >= 500 {
		st.Status5xx++
	}
	c.lat[fn+"\x00"+role] = append(c.lat[fn+"\x00"+role], m.Latency)
	c.s[fn] = sp
}

func (c *counter) failed(res, requestID string) {
	if c.seen["error "+requestID] {
		return
	}
	c.seen["error "+requestID] = true
	fn := c.resource(res, res)
	sp := c.s[fn]
	sp.Candidate.Errors++
	c.s[fn] = sp
}

func (c *counter) done() Sample {
	for fn, sp := range c.s {
		sp.Production.P99Ms = P99(c.lat[fn+"\x00production"])
		sp.Candidate.P99Ms = P99(c.lat[fn+"\x00candidate"])
		c.s[fn] = sp
	}
	return c.s
}

var statusLine = regexp.MustCompile(`^(\S+): \S+ -> (\S+) (\{.*\})\s*$`)

// CanariesFromStatus reads `deploy/fcrelease.sh status` output
// ("fn-register: live -> 3 {"4":0.1}") into each resource's canary
// version; a function without a canary is left out.
func CanariesFromStatus(out []byte) map[string]string {
	canary := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		m := statusLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		var w map[string]float64
		if json.Unmarshal([]byte(m[3]), &w) != nil {
			continue
		}
		for v := range w {
			canary[m[1]] = v
		}
	}
	return canary
}

// Commands is an Actuator that runs a shell command for each move
// (deploy/fcrelease.sh promote / rollback).
type Commands struct {
	PromoteCmd, RollbackCmd string
	Exec                    func(ctx context.Context, command string) ([]byte, error) // nil: sh -c
}

// Promote implements Actuator.
func (c Commands) Promote(ctx context.Context) error { return c.run(ctx, c.PromoteCmd) }

// Rollback implements Actuator.
func (c Commands) Rollback(ctx context.Context) error { return c.run(ctx, c.RollbackCmd) }

func (c Commands) run(ctx context.Context, command string) error {
	run := c.Exec
	if run == nil {
		run = func(ctx context.Context, command string) ([]byte, error) {
			return exec.CommandContext(ctx, "sh", "-c", command).CombinedOutput()
		}
	}
	if out, err := run(ctx, command); err != nil {
		return fmt.Errorf("%s: %w\n%s", command, err, out)
	}
	return nil
}

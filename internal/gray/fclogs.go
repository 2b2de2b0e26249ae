package gray

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FCLogs is the Function Compute source, an adapter over the functions'
// request logs in Log Service (SLS), since no metric API is called from
// here. At each sample it reads, for every function with a canary, every
// log line since the canary began, and counts the metrics lines (msg
// "request", pkg/metrics' MetricsLine) once per request id: as the
// candidate's when its version is its function's canary version (Canary),
// else as production's. Every function of Canary is in the sample, with
// no calls if none were logged, so Judge can name it.
//
// The lines come from one of two commands:
//
//   - Page (the release's way): a command printing ONE page of an SLS
//     query result, a JSON array of log objects, as the GetLogs API answers
//     and `aliyunlog log get_log` prints it (see docs/deploy.md). GetLogs
//     returns at most 100 logs a call and takes line/offset to page
//     (https://help.aliyun.com/document_detail/421017.html: --offset, and
//     --size "最小值为0，最大值为100，默认值为100"), so Sample runs Page with
//     {offset} = 0, PageSize, 2*PageSize, ... until a page holds fewer
//     than PageSize logs, each page up to the same {to} (unix seconds,
//     fixed per sample, so new logs cannot shift the pages). {resource} is
//     the s.yaml resource (fn-register). More than MaxPages pages is an
//     error, never a silent cut.
//   - Command: one command printing everything at once, as `s logs` lines
//     ("<resource> | <line>", deploy/fcrelease.sh logs) or an SLS result.
//     `s logs` is NOT fit for a real window: devsapp/fc3's
//     src/subCommands/logs/index.ts getLogs() calls SLS GetLogs without
//     line or offset, so it returns at most the first 100 logs, and its
//     loop repeats that same request; after a few dozen requests the
//     counts freeze. And its printLogs() replaces a line's first token
//     when an unanchored time pattern matches in it, with moment()'s
//     "Invalid date" when that token is no time: a metrics line printed
//     alone (JSON, no spaces, with a "time") never reaches this parser.
//     Kept for local runs and small tests.
//
// `s logs` colours its lines with ANSI escapes (printLogs in the same
// file: "Error" becomes "\x1b[31mError\x1b[0m", the time and instance id
// are coloured too): they are stripped before anything is matched. A
// failed invocation writes no metrics line; an "FC Invoke End ... Error"
// line counts as an error: of the version SLS names in its versionId
// field, and of the candidate when no version is given (an error that
// cannot be placed stops the release rather than passing it).
type FCLogs struct {
	Command  string
	Page     string            // with {resource}, {offset}, {size} and {to}; set, it is used instead of Command
	PageSize int               // logs a full page holds; 0: 100, GetLogs' most
	MaxPages int               // pages per function and sample; 0: 5000
	Canary   map[string]string // s.yaml resource (fn-register) -> its canary version
	// Exec runs the command; nil runs it with sh -c.
	Exec func(ctx context.Context, command string) ([]byte, error)
	Now  func() time.Time // the {to} of a sample; nil: time.Now
}

// Sample implements Source.
func (f FCLogs) Sample(ctx context.Context) (Sample, error) {
	run := f.Exec
	if run == nil {
		run = func(ctx context.Context, command string) ([]byte, error) {
			return exec.CommandContext(ctx, "sh", "-c", command).Output()
		}
	}
	if f.Page == "" {
		out, err := run(ctx, f.Command)
		if err != nil {
			return nil, fmt.Errorf("gray: %s: %w", f.Command, err)
		}
		return f.Parse(out), nil
	}
	size, maxPages := cmp.Or(f.PageSize, 100), cmp.Or(f.MaxPages, 5000)
	now := f.Now
	if now == nil {
		now = time.Now
	}
	to := strconv.FormatInt(now().Unix(), 10)
	c := f.counter()
	for _, res := range slices.Sorted(maps.Keys(f.Canary)) {
		for page, offset := 0, 0; ; page, offset = page+1, offset+size {
			if page == maxPages {
				return nil, fmt.Errorf("gray: %s: more than %d pages of %d logs: raise -max-pages or shorten the window", res, maxPages, size)
			}
			command := strings.NewReplacer("{resource}", res, "{offset}", strconv.Itoa(offset), "{size}", strconv.Itoa(size), "{to}", to).Replace(f.Page)
			out, err := run(ctx, command)
			if err != nil {
				return nil, fmt.Errorf("gray: %s: %w", command, err)
			}
			rows, err := logArray(out)
			if err != nil {
				return nil, fmt.Errorf("gray: %s: %w", command, err)
			}
			for _, r := range rows {
				c.object(res, r)
			}
			if len(rows) < size {
				break
			}
		}
	}
	return c.done(), nil
}

// logArray reads one SLS page: a JSON array, which a CLI may precede with
// a warning line.
func logArray(out []byte) ([]json.RawMessage, error) {
	i := bytes.IndexByte(out, '[')
	if i < 0 {
		if len(bytes.TrimSpace(out)) == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("not a JSON array of logs: %.200q", out)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(out[i:]), &rows); err != nil {
		return nil, fmt.Errorf("not a JSON array of logs: %w", err)
	}
	return rows, nil
}

// metricsLine is the part of pkg/metrics' MetricsLine the window reads.
type metricsLine struct {
	Msg       string  `json:"msg"`
	Function  string  `json:"function"`
	Version   string  `json:"version"`
	Status    int     `json:"status"`
	Latency   float64 `json:"latency"`
	RequestID string  `json:"requestId"`
}

var (
	invokeError = regexp.MustCompile(`FC Invoke End RequestId: ([^\s,]+).*\bError\b`)
	// ansi is an SGR escape, the only kind `s logs` writes (\x1b[31m, \x1b[1;32m, \x1b[0m).
	ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
)

// StripANSI removes ANSI colour escapes from s.
func StripANSI(s string) string { return ansi.ReplaceAllString(s, "") }

func (f FCLogs) counter() *counter {
	c := &counter{canary: f.Canary, seen: map[string]bool{}, lat: map[string][]float64{}, s: Sample{}}
	for res := range f.Canary {
		c.s[res] = Split{}
	}
	return c
}

// Parse counts the metrics lines of out (see FCLogs).
func (f FCLogs) Parse(out []byte) Sample {
	c := f.counter()
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
		res, rest, ok := strings.Cut(StripANSI(sc.Text()), " | ")
		if !ok || strings.ContainsAny(res, " {") {
			res, rest = "", StripANSI(sc.Text())
		}
		c.text(res, rest, "")
	}
	return c.done()
}

type counter struct {
	canary map[string]string
	seen   map[string]bool
	lat    map[string][]float64 // by function + "\x00" + role
	s      Sample
}

// text counts one log line: a failed invocation's end, or a line holding
// a metrics line. version is the one SLS gives the line, if any.
func (c *counter) text(res, line, version string) {
	if m := invokeError.FindStringSubmatch(line); m != nil {
		c.failed(res, m[1], version)
		return
	}
	if i := strings.IndexByte(line, '{'); i >= 0 {
		c.object(res, json.RawMessage(line[i:]))
	}
}

// object counts one log object: a metrics line, or an SLS log holding a
// line as text in message (FC's field, which fc3's logs command prints),
// content or __content__.
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
	version, _ := wrapper["versionId"].(string)
	if fn, ok := wrapper["functionName"].(string); ok && res == "" {
		res = c.resource("", fn)
	}
	for _, k := range []string{"message", "content", "__content__"} {
		if s, ok := wrapper[k].(string); ok {
			c.text(res, StripANSI(s), version)
			return
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

// failed counts a failed invocation: production's when SLS names a version
// that is not the canary's, else the candidate's.
func (c *counter) failed(res, requestID, version string) {
	if c.seen["error "+requestID] {
		return
	}
	c.seen["error "+requestID] = true
	fn := c.resource(res, res)
	sp := c.s[fn]
	if v := c.canary[fn]; version != "" && v != version {
		sp.Production.Errors++
	} else {
		sp.Candidate.Errors++
	}
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

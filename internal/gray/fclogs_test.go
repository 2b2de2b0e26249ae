package gray

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fc3Line is one line as devsapp/fc3's `s logs` prints it (printLogs in
// src/subCommands/logs/index.ts): a first space-separated token that
// DATE_TIME_REG finds a time in becomes moment(token).format(...) in bold
// green, every Error/ERROR/error turns red, the log's time goes dimmed in
// front, and the instance id in one of four colours in front of that.
// The regular expression is not anchored, so a metrics line printed alone
// (JSON has no spaces, and it holds a "time") is one token that moment
// cannot parse: fc3 prints "Invalid date" in its place.
func fc3Line(instance, at, message string) string {
	tokens := strings.Split(message, " ")
	if regexp.MustCompile(`\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d(?:\.\d+)?Z?`).MatchString(tokens[0]) {
		formatted := "Invalid date"
		if ts, err := time.Parse(time.RFC3339Nano, tokens[0]); err == nil {
			formatted = ts.Format(time.DateTime)
		}
		tokens[0] = "\x1b[1;32m" + formatted + "\x1b[0m"
	}
	l := strings.Join(tokens, " ")
	for _, w := range []string{"Error", "ERROR", "error"} {
		l = strings.ReplaceAll(l, w, "\x1b[31m"+w+"\x1b[0m")
	}
	return "\x1b[36m" + instance + "\x1b[0m \x1b[2m" + at + "\x1b[0m " + l
}

func metrics(fn, version string, status int, latency float64, id string) string {
	b, _ := json.Marshal(map[string]any{"msg": "request", "function": fn, "version": version, "qualifier": "live",
		"status": status, "requests": 1, "latency": latency, "requestId": id, "time": "2026-12-01T10:00:01Z"})
	return string(b)
}

// TestFCLogsColouredOutput feeds Parse what `s logs` prints, colours and
// all: the failed invocation's "Error" is wrapped in \x1b[31m...\x1b[0m,
// which a plain \bError\b never matched.
func TestFCLogsColouredOutput(t *testing.T) {
	lines := []string{
		"fn-register | " + fc3Line("c-6932a1-1", "2026-12-01 18:00:01", "FC Invoke Start RequestId: 1-a1"),
		"fn-register | " + fc3Line("c-6932a1-1", "2026-12-01 18:00:01", "2026-12-01T10:00:01.120Z 1-a1 [INFO] "+metrics("todofn-prod-register", "4", 202, 41, "1-a1")),
		"fn-register | " + fc3Line("c-6932a1-1", "2026-12-01 18:00:01", "FC Invoke End RequestId: 1-a1"),
		"fn-register | " + fc3Line("c-6932a1-2", "2026-12-01 18:00:02", "FC Invoke Start RequestId: 1-a2"),
		"fn-register | " + fc3Line("c-6932a1-2", "2026-12-01 18:00:12", "2026-12-01T10:00:12.000Z 1-a2 [ERROR] handler error: context deadline exceeded"),
		"fn-register | " + fc3Line("c-6932a1-2", "2026-12-01 18:00:12", "FC Invoke End RequestId: 1-a2, Error: Function timed out after 10 seconds (maxMemoryUsage: 31MB)"),
		"fn-register | " + fc3Line("c-6932a1-3", "2026-12-01 18:00:13", "2026-12-01T10:00:13.000Z 1-a3 [INFO] "+metrics("todofn-prod-register", "3", 500, 12, "1-a3")),
		// A metrics line alone on its line is lost to `s logs` ("Invalid date"): one more reason the window reads SLS.
		"fn-register | " + fc3Line("c-6932a1-3", "2026-12-01 18:00:14", metrics("todofn-prod-register", "4", 500, 12, "1-a4")),
	}
	out := strings.Join(lines, "\n")
	if !strings.Contains(out, "\x1b[31mError\x1b[0m") || regexp.MustCompile(`FC Invoke End RequestId: ([^\s,]+).*\bError\b`).MatchString(out) ||
		!strings.Contains(out, "\x1b[1;32mInvalid date\x1b[0m") {
		t.Fatal("the fixture is not coloured as fc3 colours it (the old pattern must miss it)")
	}
	s := FCLogs{Canary: map[string]string{"fn-register": "4"}}.Parse([]byte(out))
	reg := s["fn-register"]
	want := Split{Production: Stats{Requests: 1, Status5xx: 1, P99Ms: 12}, Candidate: Stats{Requests: 1, Errors: 1, P99Ms: 41}}
	if reg != want {
		t.Errorf("fn-register = %+v, want %+v", reg, want)
	}
	if v := Judge(s, th, false); v.Decision != Rollback || !strings.Contains(v.Reason, "1 failed invocations") {
		t.Errorf("Judge = %v %q: the timed-out call must roll the release back", v.Decision, v.Reason)
	}
	if got := StripANSI("\x1b[1;32m2026-12-01 18:00:01\x1b[0m \x1b[31mError\x1b[0m"); got != "2026-12-01 18:00:01 Error" {
		t.Errorf("StripANSI = %q", got)
	}
}

// slsLog is one log of a GetLogs answer for an FC function's logstore:
// the fields devsapp/fc3's getLogs reads (__time__, message, instanceID,
// functionName, qualifier, versionId) and the topic FC writes
// (FCLogs:<function>).
func slsLog(fn, version, message string, at int) map[string]string {
	return map[string]string{"__time__": strconv.Itoa(at), "__source__": "", "__topic__": "FCLogs:" + fn,
		"functionName": fn, "qualifier": "live", "versionId": version, "instanceID": "c-6932a1-" + version, "message": message + "\n"}
}

// slsPages serves a query result as `aliyunlog log get_log --offset N
// --size S` would: logs[N:N+S] as a JSON array, after a warning line.
type slsPages struct {
	logs  map[string][]map[string]string // by resource
	calls []string
}

var pageCmd = regexp.MustCompile(`^get_log (\S+) offset=(\d+) size=(\d+) to=(\d+)$`)

func (p *slsPages) exec(_ context.Context, command string) ([]byte, error) {
	p.calls = append(p.calls, command)
	m := pageCmd.FindStringSubmatch(command)
	if m == nil {
		return nil, fmt.Errorf("bad page command %q", command)
	}
	logs := p.logs[m[1]]
	off, _ := strconv.Atoi(m[2])
	size, _ := strconv.Atoi(m[3])
	page := append([]map[string]string{}, logs[min(off, len(logs)):min(off+size, len(logs))]...)
	b, err := json.Marshal(page)
	return append([]byte("WARNING: the CLI's own warning line\n"), b...), err
}

func TestFCLogsPages(t *testing.T) {
	const fn = "todofn-prod-register"
	var logs []map[string]string
	var candidate5xx, production int
	for i := range 80 { // 80 requests of 3 lines each: 240 logs, three pages
		id := fmt.Sprintf("1-%04d", i)
		version, status := "3", 200
		if i%4 == 0 {
			version = "4"
			if i%20 == 0 {
				status = 503
				candidate5xx++
			}
		} else {
			production++
		}
		logs = append(logs,
			slsLog(fn, version, "FC Invoke Start RequestId: "+id, 1764583200+i),
			slsLog(fn, version, "2026-12-01T10:00:01.120Z "+id+" [INFO] "+metrics(fn, version, status, float64(i), id), 1764583200+i),
			slsLog(fn, version, "FC Invoke End RequestId: "+id, 1764583200+i))
	}
	// A failed invocation of production (SLS names its version): not the candidate's.
	logs = append(logs, slsLog(fn, "3", "FC Invoke End RequestId: 1-9999, Error: Function timed out after 10 seconds", 1764583290))
	p := &slsPages{logs: map[string][]map[string]string{"fn-register": logs}}
	now := time.Unix(1764583300, 0)
	src := FCLogs{Page: "get_log {resource} offset={offset} size={size} to={to}", Canary: map[string]string{"fn-register": "4", "fn-mailer": "2"},
		Exec: p.exec, Now: func() time.Time { return now }}
	s, err := src.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reg := s["fn-register"]
	if reg.Candidate.Requests != 20 || reg.Candidate.Status5xx != candidate5xx || reg.Production.Requests != production ||
		reg.Production.Errors != 1 || reg.Candidate.Errors != 0 {
		t.Errorf("fn-register = %+v, want 20 candidate calls (%d 5xx), %d production calls, 1 production error", reg, candidate5xx, production)
	}
	if m, ok := s["fn-mailer"]; !ok || m.Candidate.Requests != 0 {
		t.Errorf("fn-mailer (no logs) = %+v, %v: every canary function is in the sample", m, ok)
	}
	want := []string{
		"get_log fn-mailer offset=0 size=100 to=1764583300",
		"get_log fn-register offset=0 size=100 to=1764583300",
		"get_log fn-register offset=100 size=100 to=1764583300",
		"get_log fn-register offset=200 size=100 to=1764583300",
	}
	if strings.Join(p.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("pages read:\n%s\nwant\n%s", strings.Join(p.calls, "\n"), strings.Join(want, "\n"))
	}
	// Exactly full pages: one more, empty, page ends the function.
	p.logs["fn-register"], p.calls = logs[:200], nil
	if _, err := src.Sample(context.Background()); err != nil || len(p.calls) != 4 {
		t.Errorf("200 logs read in %d calls (%v), want 1 + 3", len(p.calls), err)
	}
	src.MaxPages = 2
	if _, err := src.Sample(context.Background()); err == nil || !strings.Contains(err.Error(), "more than 2 pages") {
		t.Errorf("a result past MaxPages: %v, want an error", err)
	}
	src.MaxPages = 0
	src.Exec = func(context.Context, string) ([]byte, error) { return []byte("ERROR: Unauthorized"), nil }
	if _, err := src.Sample(context.Background()); err == nil {
		t.Error("a page that is no JSON array is no error")
	}
}

// TestWindowLowTraffic runs a window over Log Service pages: a candidate
// with 3 calls, 1 of them a 5xx, far below MinRequests, is rolled back.
func TestWindowLowTraffic(t *testing.T) {
	const fn = "todofn-prod-verify"
	logs := []map[string]string{
		slsLog(fn, "7", metrics(fn, "7", 200, 5, "1-1"), 1764583201),
		slsLog(fn, "7", metrics(fn, "7", 500, 5, "1-2"), 1764583202),
		slsLog(fn, "7", metrics(fn, "7", 200, 5, "1-3"), 1764583203),
	}
	for i := range 300 {
		id := fmt.Sprint("p-", i)
		logs = append(logs, slsLog(fn, "6", metrics(fn, "6", 200, 5, id), 1764583204+i))
	}
	p := &slsPages{logs: map[string][]map[string]string{"fn-verify": logs}}
	src := FCLogs{Page: "get_log {resource} offset={offset} size={size} to={to}", Canary: map[string]string{"fn-verify": "7"}, Exec: p.exec}
	m := &moves{}
	th := Thresholds{Max5xxRate: 0.01, MinRequests: 50, MaxP99: 2 * time.Second}
	w := window(src, m)
	w.Thresholds = th
	v, err := w.Run(context.Background())
	if err != nil || len(m.got) != 1 || m.got[0] != "rollback" || !strings.Contains(v.Reason, "fn-verify: 1 of 3 candidate calls answered 5xx") {
		t.Errorf("window: %v %q, moves %v, err %v; want a rollback for 1 of 3", v.Decision, v.Reason, m.got, err)
	}
}

func TestJudgeEveryFunction(t *testing.T) {
	s := Sample{"a": split(Stats{Requests: 60}), "b": split(Stats{}), "c": split(Stats{})}
	v := Judge(s, th, true)
	if v.Decision != Promote || strings.Join(v.Unexercised, ",") != "b,c" || !strings.Contains(v.Reason, "NOT JUDGED (no candidate call): b, c") {
		t.Errorf("report: %v %q %v", v.Decision, v.Reason, v.Unexercised)
	}
	strict := th
	strict.RequireEvery = true
	v = Judge(s, strict, true)
	if v.Decision != Rollback || strings.Join(v.Unexercised, ",") != "b,c" || !strings.Contains(v.Reason, "no call reached the candidate of b, c") {
		t.Errorf("RequireEvery: %v %q %v", v.Decision, v.Reason, v.Unexercised)
	}
	if v := Judge(s, strict, false); v.Decision != Continue {
		t.Errorf("RequireEvery before the end: %v, want continue", v.Decision)
	}
}

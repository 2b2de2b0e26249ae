// Command traffic turns recorded traffic log lines (package platform's
// recorder, TRAFFIC_SAMPLE > 0) into a traffic file: one JSON object per
// exchange (request and recorded answer), in the order the requests came,
// which cmd/replay replays.
//
//	traffic [-o FILE] [-session S] [LOG ...]     # stdin without LOG files
//
// It reads log lines as the local server prints them, and what the clouds'
// log services give back: lines with a prefix before the JSON (aws logs
// tail, a timestamp), the JSON of aws logs filter-log-events
// ({"events":[{"message":...}]}) and an SLS query result (an array of logs
// whose "message" or "content" is the line). Lines without msg "traffic"
// are skipped. docs/release.md has the commands for each cloud.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/todofn/todofn/internal/traffic"
)

// logLine is one line of the recorder (pkg/record): the fields of one side
// of an exchange are a traffic.Message's (embedded, so encoding/json reads
// them at the line's top level).
type logLine struct {
	Time     time.Time `json:"time"`
	Msg      string    `json:"msg"`
	Kind     string    `json:"kind"`
	Exchange string    `json:"exchange"`
	Session  string    `json:"session"`
	traffic.Message
	Ms int64 `json:"ms,omitempty"`
}

// The traffic file's format is package traffic's.
type (
	Message = traffic.Message
	Entry   = traffic.Entry
)

func message(l logLine) Message { return l.Message }

func main() {
	out := flag.String("o", "", "write the traffic file here (default stdout)")
	session := flag.String("session", "", "keep only this session")
	flag.Parse()
	if err := run(flag.Args(), *out, *session, os.Stdin, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "traffic:", err)
		os.Exit(1)
	}
}

func run(files []string, outPath, session string, stdin io.Reader, stderr io.Writer) error {
	var lines []logLine
	if len(files) == 0 {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		lines = parse(b)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		lines = append(lines, parse(b)...)
	}
	entries, unanswered := join(lines, session)
	var w io.Writer = os.Stdout
	if outPath != "" {
		f, err := os.Create(outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	sessions := map[string]bool{}
	for _, e := range entries {
		sessions[e.Session] = true
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "traffic: %d exchanges in %d sessions (%d requests without an answer left out)\n",
		len(entries), len(sessions), unanswered)
	return bw.Flush()
}

// join pairs each request with its answer, in the order of the requests.
func join(lines []logLine, session string) (entries []Entry, unanswered int) {
	byExchange := map[string]*Entry{}
	answered := map[string]bool{}
	for _, l := range lines {
		if session != "" && l.Session != session {
			continue
		}
		e := byExchange[l.Exchange]
		if e == nil {
			e = &Entry{Session: l.Session}
			byExchange[l.Exchange] = e
		}
		switch l.Kind {
		case "request":
			e.Time, e.Request = l.Time, message(l)
		case "answer":
			e.Answer, e.Ms, answered[l.Exchange] = message(l), l.Ms, true
		}
	}
	for x, e := range byExchange {
		switch {
		case e.Request.Method == "":
			continue // an answer whose request fell outside the logs read
		case !answered[x]:
			unanswered++
			continue
		}
		entries = append(entries, *e)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Time.Before(entries[j].Time) })
	for i := range entries {
		entries[i].Seq = i + 1
	}
	return entries, unanswered
}

// parse finds the traffic lines in b: a whole JSON document (a cloud's
// query result) or a log with one line per record.
func parse(b []byte) []logLine {
	if t := bytes.TrimSpace(b); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		var doc any
		if dec := json.NewDecoder(bytes.NewReader(t)); dec.Decode(&doc) == nil && !dec.More() {
			var out []logLine
			collect(doc, &out)
			return out
		}
	}
	var out []logLine
	for line := range bytes.Lines(b) {
		if l, ok := parseLine(line); ok {
			out = append(out, l)
		}
	}
	return out
}

// parseLine decodes the JSON object that starts at a line's first "{".
func parseLine(line []byte) (logLine, bool) {
	i := bytes.IndexByte(line, '{')
	if i < 0 {
		return logLine{}, false
	}
	var l logLine
	if json.NewDecoder(bytes.NewReader(line[i:])).Decode(&l) != nil || l.Msg != "traffic" || l.Exchange == "" {
		return logLine{}, false
	}
	return l, true
}

// collect walks a query result: a traffic record itself, or objects and
// arrays holding records or log lines (message, content) as strings.
func collect(v any, out *[]logLine) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			collect(e, out)
		}
	case map[string]any:
		if v["msg"] == "traffic" {
			b, _ := json.Marshal(v)
			if l, ok := parseLine(b); ok {
				*out = append(*out, l)
			}
			return
		}
		for _, k := range []string{"events", "logs", "message", "content"} {
			collect(v[k], out)
		}
	case string:
		if l, ok := parseLine([]byte(v)); ok {
			*out = append(*out, l)
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/todofn/todofn/pkg/route"
)

// comparedHeaders are the answer headers compared besides status and body.
var comparedHeaders = []string{"Content-Type", "Location", "WWW-Authenticate", "Retry-After",
	"Idempotent-Replayed", "Cache-Control", "Allow"}

const missing = "(missing)"

// fields flattens an answer into comparable fields: "status",
// "header.Location", "body.items[0].done" (JSON values as JSON) or "body"
// (a body that is not JSON).
func fields(r result) map[string]string {
	f := map[string]string{}
	if r.err != nil {
		f["status"] = "error: " + r.err.Error()
		return f
	}
	f["status"] = strconv.Itoa(r.status)
	for _, h := range comparedHeaders {
		if v := r.header.Get(h); v != "" {
			f["header."+h] = v
		}
	}
	if len(bytes.TrimSpace(r.body)) == 0 {
		return f
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		f["body"] = string(r.body)
		return f
	}
	flatten("body", v, f)
	return f
}

func flatten(prefix string, v any, f map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			f[prefix] = "{}"
		}
		for k, e := range v {
			flatten(prefix+"."+k, e, f)
		}
	case []any:
		if len(v) == 0 {
			f[prefix] = "[]"
		}
		for i, e := range v {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), e, f)
		}
	default:
		b, _ := json.Marshal(v)
		f[prefix] = string(b)
	}
}

// differing are the fields whose values differ between a and b (a field
// one has and the other lacks included).
func differing(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// routeOf is the route-table pattern that serves a request ("PATCH
// /todos/{id}"), so noise learnt on one todo counts for every todo.
func routeOf(method, path string) string {
	mux := http.NewServeMux()
	for _, f := range route.HTTPFunctions() {
		for _, r := range f.Routes {
			mux.Handle(r.Method+" "+r.Pattern, http.NotFoundHandler())
		}
	}
	req, _ := http.NewRequest(method, path, nil)
	if req == nil {
		return method + " " + path
	}
	if _, p := mux.Handler(req); p != "" {
		return p
	}
	return method + " " + path
}

// exchange is one replayed request and the three answers' fields.
type exchange struct {
	entry                         Entry
	route                         string
	primary, secondary, candidate map[string]string
}

// Difference is a field in which the candidate answered otherwise than the
// primary, where the primary and the secondary agreed.
type Difference struct {
	Entry    Entry
	Field    string
	Expected string
	Got      string
}

// analyse learns the noise (per route, the fields in which primary and
// secondary ever differ) and returns the candidate's other differences. A
// field learnt as noise on one route is noise on every route that answers
// it: a route replayed once may have its primary and secondary answer in
// the same millisecond, and so agree on a timestamp by chance (PATCH's
// body.updatedAt is noise because POST's is).
func analyse(xs []exchange) (noise map[string][]string, diffs []Difference) {
	noisy := map[string]map[string]bool{}
	anywhere := map[string]bool{}
	for _, x := range xs {
		for _, f := range differing(x.primary, x.secondary) {
			if noisy[x.route] == nil {
				noisy[x.route] = map[string]bool{}
			}
			noisy[x.route][generic(f)] = true
			anywhere[generic(f)] = true
		}
	}
	noise = map[string][]string{}
	for r, fs := range noisy {
		for f := range fs {
			noise[r] = append(noise[r], f)
		}
		sort.Strings(noise[r])
	}
	for _, x := range xs {
		for _, f := range differing(x.primary, x.candidate) {
			if noisy[x.route][generic(f)] || anywhere[generic(f)] {
				continue
			}
			diffs = append(diffs, Difference{Entry: x.entry, Field: f, Expected: value(x.primary, f), Got: value(x.candidate, f)})
		}
	}
	return noise, diffs
}

// generic drops list indexes, so noise in items[0].id covers items[3].id.
func generic(field string) string {
	var b strings.Builder
	skip := false
	for _, c := range field {
		switch {
		case c == '[':
			skip = true
			b.WriteString("[]")
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func value(f map[string]string, k string) string {
	if v, ok := f[k]; ok {
		return v
	}
	return missing
}

// report writes the readable report; it says PASS or FAIL last.
func report(w io.Writer, header string, xs []exchange, noise map[string][]string, diffs []Difference) {
	fmt.Fprintf(w, "%s\nreplayed %d requests to each instance, one at a time\n", header, len(xs))
	routes := make([]string, 0, len(noise))
	for r := range noise {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintln(w, "noise (fields in which primary and secondary differ; ignored):")
	for _, r := range routes {
		fmt.Fprintf(w, "  %-22s %s\n", r, strings.Join(noise[r], " "))
	}
	if len(routes) == 0 {
		fmt.Fprintln(w, "  none")
	}
	fmt.Fprintf(w, "differences: %d\n", len(diffs))
	var last = -1
	for _, d := range diffs {
		if d.Entry.Seq != last {
			last = d.Entry.Seq
			fmt.Fprintf(w, "\n#%d %s (session %s, recorded %d)\n  request: %s\n", d.Entry.Seq,
				routeOf(d.Entry.Request.Method, d.Entry.Request.Path), d.Entry.Session, d.Entry.Answer.Status,
				describe(d.Entry.Request))
		}
		fmt.Fprintf(w, "  %-28s expected %s\n  %-28s got      %s\n", d.Field, clip(d.Expected), "", clip(d.Got))
	}
	verdict := "PASS: the candidate answered as the baseline did"
	if len(diffs) > 0 {
		verdict = fmt.Sprintf("\nFAIL: %d differences in %d requests", len(diffs), countRequests(diffs))
	}
	fmt.Fprintln(w, verdict)
}

func countRequests(diffs []Difference) int {
	var seqs []int
	for _, d := range diffs {
		if !slices.Contains(seqs, d.Entry.Seq) {
			seqs = append(seqs, d.Entry.Seq)
		}
	}
	return len(seqs)
}

func describe(m Message) string {
	s := m.Method + " " + m.Path
	if m.Query != "" {
		s += "?" + m.Query
	}
	switch {
	case len(m.Body) > 0:
		s += " " + string(m.Body)
	case m.Form != "":
		s += " " + m.Form
	}
	return clip(s)
}

func clip(s string) string {
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}

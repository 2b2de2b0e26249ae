package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func servers(t *testing.T, shared []string) []string {
	t.Helper()
	local, _ := built(t)
	var urls []string
	for _, name := range []string{"primary", "secondary", "candidate"} {
		srv, err := start(local, filepath.Join(t.TempDir(), name), shared)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.stop)
		urls = append(urls, srv.url)
	}
	return urls
}

func replayed(t *testing.T, traffic string, bug func(http.ResponseWriter, *http.Request, http.Handler)) (string, []Difference) {
	t.Helper()
	entries, err := readTraffic(traffic)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	urls := servers(t, shared)
	if bug != nil {
		target, _ := url.Parse(urls[2])
		proxy := httputil.NewSingleHostReverseProxy(target)
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bug(w, r, proxy) }))
		t.Cleanup(front.Close)
		urls[2] = front.URL
	}
	var out bytes.Buffer
	diffs := compareAt(&out, "replay (test)", entries, urls[0], urls[1], urls[2])
	return out.String(), diffs
}

// TestIdenticalBuildsAgree: a fresh recording and the committed traffic
// file replay to three instances of one build with no difference, while
// ids, timestamps and tokens are learnt as noise.
func TestIdenticalBuildsAgree(t *testing.T) {
	for name, traffic := range map[string]string{"fresh": record(t), "committed": "testdata/session.traffic.jsonl"} {
		t.Run(name, func(t *testing.T) {
			rep, diffs := replayed(t, traffic, nil)
			t.Logf("\n%s", rep)
			if len(diffs) != 0 || !strings.Contains(rep, "differences: 0") || !strings.Contains(rep, "PASS") {
				t.Fatalf("identical builds differ:\n%s", rep)
			}
			for _, noise := range []string{"POST /todos ", "body.id", "body.createdAt", "body.accessToken"} {
				if !strings.Contains(rep, noise) {
					t.Errorf("the noise lacks %q:\n%s", noise, rep)
				}
			}
			if strings.Contains(rep, "body.done") || strings.Contains(rep, "body.items[].done") {
				t.Errorf("done is counted as noise:\n%s", rep)
			}
		})
	}
}

// renameDone is a candidate whose todo answers call done "isDone".
func renameDone(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if strings.HasPrefix(r.URL.Path, "/todos") {
		body = bytes.ReplaceAll(body, []byte(`"done":`), []byte(`"isDone":`))
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// failDelete is a candidate whose DELETE /todos/{id} answers 500.
func failDelete(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/todos/") {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":{"code":"internal","message":"Something went wrong."}}`)
		return
	}
	next.ServeHTTP(w, r)
}

// TestInjectedBugsAreCaught: a renamed field and a route that fails are
// each reported with the request, what the baseline answered and what the
// candidate did.
func TestInjectedBugsAreCaught(t *testing.T) {
	traffic := "testdata/session.traffic.jsonl"
	cases := []struct {
		name string
		bug  func(http.ResponseWriter, *http.Request, http.Handler)
		want []*regexp.Regexp
	}{
		{"renamed field", renameDone, []*regexp.Regexp{
			regexp.MustCompile(`#\d+ PATCH /todos/\{id\} \(session s-\w+, recorded 200\)\n  request: PATCH /todos/\S+ \{"done":true\}`),
			regexp.MustCompile(`body\.done +expected true\n +got +\(missing\)`),
			regexp.MustCompile(`body\.isDone +expected \(missing\)\n +got +true`),
			regexp.MustCompile(`#\d+ POST /todos `), regexp.MustCompile(`#\d+ GET /todos `)}},
		{"500 on one route", failDelete, []*regexp.Regexp{
			regexp.MustCompile(`#\d+ DELETE /todos/\{id\} \(session s-\w+, recorded 204\)`),
			regexp.MustCompile(`status +expected 204\n +got +500`),
			regexp.MustCompile(`#\d+ DELETE /todos/\{id\} \(session s-\w+, recorded 404\)`),
			// the todo the candidate failed to delete is still listed (and
			// counted: the first page's counts come before the items)
			regexp.MustCompile(`#\d+ GET /todos .*\n.*\n(?: +\S.*\n){0,6}? +body\.items\[1\]\.done +expected \(missing\)`),
			regexp.MustCompile(`FAIL: \d+ differences in 3 requests`)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, diffs := replayed(t, traffic, c.bug)
			t.Logf("\n%s", rep)
			if len(diffs) == 0 {
				t.Fatal("the bug went unnoticed")
			}
			for _, re := range c.want {
				if !re.MatchString(rep) {
					t.Errorf("the report lacks %s", re)
				}
			}
		})
	}
}

// TestNoiseFilter: fields in which primary and secondary differ (ids,
// timestamps) are ignored on every request of the route; a changed done is
// not.
func TestNoiseFilter(t *testing.T) {
	answer := func(id, at, done string) map[string]string {
		return fields(result{status: 200, header: http.Header{"Content-Type": {"application/json"}},
			body: []byte(`{"id":"` + id + `","title":"Buy milk","done":` + done + `,"createdAt":"` + at + `"}`)})
	}
	e := Entry{Seq: 7, Session: "s-1", Request: Message{Method: "PATCH", Path: "/todos/01A", Body: []byte(`{"done":true}`)},
		Answer: Message{Status: 200}}
	xs := []exchange{
		{entry: e, route: routeOf("PATCH", "/todos/01A"),
			primary: answer("01P", "2026-01-02T10:00:00.1Z", "true"), secondary: answer("01S", "2026-01-02T10:00:00.2Z", "true"),
			candidate: answer("01C", "2026-01-02T10:00:00.3Z", "true")},
		{entry: e, route: routeOf("PATCH", "/todos/01B"),
			primary: answer("01P", "2026-01-02T10:00:00.1Z", "true"), secondary: answer("01P", "2026-01-02T10:00:00.1Z", "true"),
			candidate: answer("01C", "2026-01-02T10:00:00.3Z", "false")},
	}
	noise, diffs := analyse(xs)
	if got := strings.Join(noise["PATCH /todos/{id}"], " "); got != "body.createdAt body.id" {
		t.Errorf("noise %q", got)
	}
	if len(diffs) != 1 || diffs[0].Field != "body.done" || diffs[0].Expected != "true" || diffs[0].Got != "false" {
		t.Fatalf("differences %+v", diffs)
	}
	var out bytes.Buffer
	report(&out, "test", xs, noise, diffs)
	if !strings.Contains(out.String(), "#7 PATCH /todos/{id} (session s-1, recorded 200)") {
		t.Errorf("report:\n%s", out.String())
	}
}

// TestNoiseCountsOnEveryRoute: a field learnt as noise on one route (POST's
// body.updatedAt) is noise on another route whose primary and secondary
// happened to agree on it (a PATCH answered in one millisecond by both);
// a field noisy nowhere still counts.
func TestNoiseCountsOnEveryRoute(t *testing.T) {
	answer := func(updated, done string) map[string]string {
		return fields(result{status: 200, header: http.Header{"Content-Type": {"application/json"}},
			body: []byte(`{"updatedAt":"` + updated + `","done":` + done + `}`)})
	}
	post := Entry{Seq: 1, Session: "s-1", Request: Message{Method: "POST", Path: "/todos"}, Answer: Message{Status: 201}}
	patch := Entry{Seq: 2, Session: "s-1", Request: Message{Method: "PATCH", Path: "/todos/01A"}, Answer: Message{Status: 200}}
	xs := []exchange{
		{entry: post, route: routeOf("POST", "/todos"),
			primary: answer("2026-01-02T10:00:00.100Z", "false"), secondary: answer("2026-01-02T10:00:00.101Z", "false"),
			candidate: answer("2026-01-02T10:00:00.102Z", "false")},
		{entry: patch, route: routeOf("PATCH", "/todos/01A"),
			primary: answer("2026-01-02T10:00:00.200Z", "true"), secondary: answer("2026-01-02T10:00:00.200Z", "true"),
			candidate: answer("2026-01-02T10:00:00.203Z", "false")},
	}
	_, diffs := analyse(xs)
	if len(diffs) != 1 || diffs[0].Field != "body.done" {
		t.Fatalf("differences %+v, want only PATCH's body.done", diffs)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/todofn/todofn/internal/gray"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
)

// TestWindowReadsTheFunctionsLines feeds the FC window what a function
// itself writes on FC, its log (stderr) and its request lines (stdout)
// together, as Log Service keeps them: each request counts once, as the
// candidate's when the line's version is the canary, with its 5xx. (Before
// the one line per request, the slog access line also had msg "request"
// and a status, so the window counted every call twice, the second time as
// production's.)
func TestWindowReadsTheFunctionsLines(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"DATA_DIR": dir, "FC_CUSTOM_LISTEN_PORT": "9000", "FC_FUNCTION_NAME": "todofn-prod-todos-list"}[k]
	}
	var logs, stdout bytes.Buffer
	a, err := app.OpenWithLog(app.ConfigFrom(env), &logs)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv, err := apiserver.New(a)
	if err != nil {
		t.Fatal(err)
	}
	srv.Requests = apiserver.RequestLog(a, env, &stdout)
	h := srv.Handler(srv.ListTodos(todos.New(a)))
	calls := map[string]int{"6": 5, "7": 3} // version -> calls
	for version, n := range calls {
		for range n {
			r := httptest.NewRequest("GET", "/todos", nil) // 401: no token
			r.Header.Set("x-fc-version-id", version)
			r.Header.Set("x-fc-qualifier", "live")
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
	}
	r := httptest.NewRequest("GET", "/todos/x/y", nil) // 404
	r.Header.Set("x-fc-version-id", "7")
	h.ServeHTTP(httptest.NewRecorder(), r)

	var text []string
	var page []map[string]string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()+stdout.String()), "\n") {
		text = append(text, "fn-todos-list | "+l)
		page = append(page, map[string]string{"functionName": "todofn-prod-todos-list", "message": l})
	}
	pageJSON, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	src := gray.FCLogs{Canary: map[string]string{"fn-todos-list": "7"}}
	for name, out := range map[string][]byte{"s logs": []byte(strings.Join(text, "\n")), "SLS page": pageJSON} {
		got := src.Parse(out)["fn-todos-list"]
		if got.Production.Requests != 5 || got.Candidate.Requests != 4 || got.Production.Status5xx != 0 || got.Candidate.Status5xx != 0 {
			t.Errorf("%s: %+v, want 5 production and 4 candidate calls", name, got)
		}
	}
}

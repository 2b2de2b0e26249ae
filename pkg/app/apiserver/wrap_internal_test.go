package apiserver

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

// TestOneLinePerRequest: a function's handler writes exactly one line per
// request, wherever it runs: on Lambda the EMF line and on FC the Log
// Service line, to stdout, at every LOG_LEVEL (the metrics are made from
// it); on a plain server the access line where the log goes, in
// LOG_FORMAT, and none at LOG_LEVEL=warn. The recorder runs when the
// configuration's TRAFFIC_SAMPLE asks for it, on stderr, with its own
// lines.
func TestOneLinePerRequest(t *testing.T) {
	lambda := map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1", "AWS_LAMBDA_FUNCTION_NAME": "todofn-todos-list"}
	for _, tt := range []struct {
		name         string
		env          map[string]string
		traffic      bool
		stdout, logs int    // request lines on stdout and in the log
		want         string // in the request line
	}{
		{"plain HTTP, JSON", map[string]string{"LOG_FORMAT": "json"}, false, 0, 1, `"level":"INFO","msg":"request","request_id":`},
		{"plain HTTP, text, sample 1", map[string]string{"LOG_FORMAT": "text", "TRAFFIC_SAMPLE": "1"}, true, 0, 1, " level=INFO msg=request request_id="},
		{"plain HTTP, warn", map[string]string{"LOG_LEVEL": "warn"}, false, 0, 0, ""},
		{"Lambda", lambda, false, 1, 0, `{"_aws":{"Timestamp":`},
		{"Lambda, warn", map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1", "LOG_LEVEL": "warn"}, false, 1, 0, `"route":"todos-list","method":"GET","path":"/todos","status":401`},
		{"FC custom runtime, sample 1", map[string]string{"FC_CUSTOM_LISTEN_PORT": "9000", "TRAFFIC_SAMPLE": "1"}, true, 1, 0, `"route":"todos-list"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := func(k string) string {
				if k == "DATA_DIR" {
					return dir
				}
				return tt.env[k]
			}
			var logs, stdout, stderr bytes.Buffer
			a, err := app.OpenWithLog(app.ConfigFrom(env), &logs)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			list := func(a *app.App, s *api.Server) (api.Handlers, error) { return s.ListTodos(todos.New(a)), nil }
			h, err := handler(a, env, route.TodosList, list, &stdout, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			logs.Reset()
			for range 3 {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/todos", nil))
			}
			if got := strings.Contains(stderr.String(), `"msg":"traffic"`); got != tt.traffic {
				t.Errorf("traffic recorded: %v, want %v (%s)", got, tt.traffic, stderr.String())
			}
			count := func(s string) int {
				return strings.Count(s, `"msg":"request"`) + strings.Count(s, " msg=request ")
			}
			if got := count(stdout.String()); got != 3*tt.stdout {
				t.Errorf("%d request lines on stdout, want %d:\n%s", got, 3*tt.stdout, stdout.String())
			}
			if got := count(logs.String()) + count(stderr.String()); got != 3*tt.logs {
				t.Errorf("%d request lines in the log, want %d:\n%s", got, 3*tt.logs, logs.String())
			}
			if !strings.Contains(stdout.String()+logs.String(), tt.want) {
				t.Errorf("no %s in\n%s%s", tt.want, stdout.String(), logs.String())
			}
		})
	}
}

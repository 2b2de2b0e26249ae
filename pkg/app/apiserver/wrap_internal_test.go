package apiserver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/app"
)

// TestWrapFromConfig: the recorder runs when the configuration's
// TRAFFIC_SAMPLE asks for it, and the metrics line on Lambda (EMF) and FC,
// not on a plain HTTP server.
func TestWrapFromConfig(t *testing.T) {
	for _, tt := range []struct {
		name             string
		env              map[string]string
		traffic, metrics bool
		emf              bool
	}{
		{"plain HTTP, no sample", map[string]string{}, false, false, false},
		{"plain HTTP, sample 1", map[string]string{"TRAFFIC_SAMPLE": "1"}, true, false, false},
		{"Lambda", map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1", "AWS_LAMBDA_FUNCTION_NAME": "todofn-register"}, false, true, true},
		{"FC custom runtime, sample 1", map[string]string{"FC_CUSTOM_LISTEN_PORT": "9000", "TRAFFIC_SAMPLE": "1"}, true, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := func(k string) string {
				if k == "DATA_DIR" {
					return dir
				}
				return tt.env[k]
			}
			a, err := app.OpenWithLog(app.ConfigFrom(env), new(strings.Builder))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			var stdout, stderr bytes.Buffer
			h := wrap(a, env, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(400) }), &stdout, &stderr)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/register", strings.NewReader(`{"email":"ann@example.com"}`)))
			if got := strings.Contains(stderr.String(), `"msg":"traffic"`); got != tt.traffic {
				t.Errorf("traffic recorded: %v, want %v (%s)", got, tt.traffic, stderr.String())
			}
			if got := strings.Contains(stdout.String(), `"msg":"request"`); got != tt.metrics {
				t.Errorf("metrics line: %v, want %v (%s)", got, tt.metrics, stdout.String())
			}
			if got := strings.Contains(stdout.String(), `"_aws"`); got != tt.emf {
				t.Errorf("EMF: %v, want %v", got, tt.emf)
			}
		})
	}
}

package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/wire"
)

func statusHandler(code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
}

func metricsEnv(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// serveMetrics runs one request through Requests and returns the line,
// decoded, and the raw JSON.
func serveMetrics(t *testing.T, c Config, h http.Handler, r *http.Request) (map[string]any, string) {
	t.Helper()
	var out bytes.Buffer
	c.Out = &out
	m := Requests(h, c).(*metrics)
	tick := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	m.now = func() time.Time { tick = tick.Add(12345 * time.Microsecond); return tick }
	m.ServeHTTP(httptest.NewRecorder(), r)
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("wrote %q, want one line", out.String())
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	return line, out.String()
}

func TestMetricsOffIsTheHandlerItself(t *testing.T) {
	if _, wrapped := Requests(statusHandler(200), Config{Format: Off, Out: &bytes.Buffer{}}).(*metrics); wrapped {
		t.Error("Format Off writes metrics lines")
	}
}

func TestMetricsLambdaEMF(t *testing.T) {
	env := ConfigFromEnv(metricsEnv("AWS_LAMBDA_FUNCTION_NAME", "todofn-test-register", EnvLambdaFunctionVersion, "7"), EMF, nil)
	r := httptest.NewRequest("POST", "/register", nil)
	r = r.WithContext(wire.WithRequestID(r.Context(), "req-1"))
	line, raw := serveMetrics(t, env, statusHandler(503), r)
	for k, want := range map[string]any{"msg": "request", "function": "todofn-test-register", "version": "7", "status": 503.0,
		"requests": 1.0, "status5xx": 1.0, "latency": 12.35, "requestId": "req-1"} {
		if line[k] != want {
			t.Errorf("%s = %v, want %v (%s)", k, line[k], want, raw)
		}
	}
	aws, _ := line["_aws"].(map[string]any)
	if aws == nil || aws["Timestamp"] != float64(time.Date(2026, 11, 27, 10, 0, 0, 24690000, time.UTC).UnixMilli()) {
		t.Fatalf("_aws = %v", line["_aws"])
	}
	d := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if d["Namespace"] != MetricsNamespace || !strings.Contains(raw, `"Dimensions":[["function","version"],["function"]]`) ||
		!strings.Contains(raw, `{"Name":"status5xx","Unit":"Count"}`) || !strings.Contains(raw, `{"Name":"latency","Unit":"Milliseconds"}`) {
		t.Errorf("EMF directive = %v", d)
	}
	// Every metric and dimension EMF names is a member of the line.
	for _, name := range []string{"requests", "status5xx", "latency", "function", "version"} {
		if _, ok := line[name]; !ok {
			t.Errorf("EMF names %s, which the line lacks", name)
		}
	}
	ok, _ := serveMetrics(t, env, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x")) }), r)
	if ok["status"] != 200.0 || ok["status5xx"] != 0.0 {
		t.Errorf("an implicit 200: %v", ok)
	}
}

func TestMetricsFCVersion(t *testing.T) {
	env := ConfigFromEnv(metricsEnv("FC_FUNCTION_NAME", "todofn-test-login"), FCLog, nil)
	type key struct{}
	env.FCInvocation = func(ctx context.Context) (string, string, string, bool) {
		return "", "4", "live", ctx.Value(key{}) != nil
	}
	r := httptest.NewRequest("GET", "/todos", nil)
	ctx := context.WithValue(context.Background(), key{}, true)
	line, raw := serveMetrics(t, env, statusHandler(401), r.WithContext(ctx))
	if line["version"] != "4" || line["qualifier"] != "live" || line["function"] != "todofn-test-login" || line["status5xx"] != 0.0 || line["_aws"] != nil || line["time"] == nil {
		t.Errorf("FC line = %s", raw)
	}
	// The custom runtime: FC's request headers.
	r = httptest.NewRequest("GET", "/todos", nil)
	r.Header.Set("x-fc-qualifier", "live")
	r.Header.Set("x-fc-version-id", "5")
	if line, raw := serveMetrics(t, env, statusHandler(500), r); line["version"] != "5" || line["qualifier"] != "live" || line["status5xx"] != 1.0 {
		t.Errorf("FC custom runtime line = %s", raw)
	}
}

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

func metricsEnv(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// start and end are the times every test line is written with: 12.345 ms
// apart.
var (
	start = time.Date(2026, 11, 27, 10, 0, 0, 12345000, time.UTC)
	end   = start.Add(12345 * time.Microsecond)
)

// logOne writes the line of r, answered by route with status, and returns
// it decoded and raw; it fails unless exactly one line was written.
func logOne(t *testing.T, c Config, r *http.Request, route string, status int) (map[string]any, string) {
	t.Helper()
	var out bytes.Buffer
	c.Out = &out
	New(c).LogRequest(r, route, status, start, end)
	if strings.Count(out.String(), "\n") != 1 || !strings.HasSuffix(out.String(), "\n") {
		t.Fatalf("wrote %q, want one line", out.String())
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	return line, out.String()
}

func TestOffIsNil(t *testing.T) {
	if l := New(Config{Format: Off, Out: &bytes.Buffer{}}); l != nil {
		t.Error("Format Off gives a Log")
	}
	var l *Log
	l.LogRequest(httptest.NewRequest("GET", "/", nil), "", 200, start, end) // the nil Log writes nothing
}

// TestMetricsLambdaEMF: on Lambda the one line is EMF, with the access
// members (route, method, path) beside the metrics.
func TestMetricsLambdaEMF(t *testing.T) {
	env := ConfigFromEnv(metricsEnv("AWS_LAMBDA_FUNCTION_NAME", "todofn-test-register", EnvLambdaFunctionVersion, "7"), EMF, nil)
	r := httptest.NewRequest("POST", "/register", nil)
	r = r.WithContext(wire.WithRequestID(r.Context(), "req-1"))
	line, raw := logOne(t, env, r, "register", 503)
	for k, want := range map[string]any{"msg": "request", "function": "todofn-test-register", "version": "7", "status": 503.0,
		"requests": 1.0, "status5xx": 1.0, "latency": 12.35, "requestId": "req-1", "route": "register", "method": "POST", "path": "/register"} {
		if line[k] != want {
			t.Errorf("%s = %v, want %v (%s)", k, line[k], want, raw)
		}
	}
	if _, ok := line["time"]; ok {
		t.Errorf("an EMF line has a time member: %s", raw)
	}
	aws, _ := line["_aws"].(map[string]any)
	if aws == nil || aws["Timestamp"] != float64(end.UnixMilli()) {
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
	// Nothing written is net/http's 200; no route is "-".
	if ok, raw := logOne(t, env, r, "", 0); ok["status"] != 200.0 || ok["status5xx"] != 0.0 || ok["route"] != "-" {
		t.Errorf("an implicit 200 with no route: %s", raw)
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
	line, raw := logOne(t, env, r.WithContext(ctx), "todos-list", 401)
	if line["version"] != "4" || line["qualifier"] != "live" || line["function"] != "todofn-test-login" || line["status5xx"] != 0.0 ||
		line["_aws"] != nil || line["time"] != "2026-11-27T10:00:00.02469Z" || line["route"] != "todos-list" || line["path"] != "/todos" {
		t.Errorf("FC line = %s", raw)
	}
	// The custom runtime: FC's request headers.
	r = httptest.NewRequest("GET", "/todos", nil)
	r.Header.Set("x-fc-qualifier", "live")
	r.Header.Set("x-fc-version-id", "5")
	if line, raw := logOne(t, env, r, "todos-list", 500); line["version"] != "5" || line["qualifier"] != "live" || line["status5xx"] != 1.0 {
		t.Errorf("FC custom runtime line = %s", raw)
	}
}

// TestPlainLineIsTheAccessLine: on a plain server the line is the access
// line, JSON or text, with no metrics members.
func TestPlainLineIsTheAccessLine(t *testing.T) {
	r := httptest.NewRequest("DELETE", "/todos/t1", nil)
	r = r.WithContext(wire.WithRequestID(r.Context(), "req-2"))
	line, raw := logOne(t, Config{Format: JSON}, r, "todos-delete", 204)
	for k, want := range map[string]any{"level": "INFO", "msg": "request", "request_id": "req-2", "route": "todos-delete",
		"method": "DELETE", "path": "/todos/t1", "status": 204.0, "latency_ms": 12.345} {
		if line[k] != want {
			t.Errorf("%s = %v, want %v (%s)", k, line[k], want, raw)
		}
	}
	for _, k := range []string{"function", "requests", "_aws"} {
		if _, ok := line[k]; ok {
			t.Errorf("a plain line has %s: %s", k, raw)
		}
	}
	var out bytes.Buffer
	New(Config{Format: Text, Out: &out}).LogRequest(r, "", 0, start, end)
	if want := " level=INFO msg=request request_id=req-2 route=- method=DELETE path=/todos/t1 status=200 latency_ms=12.345\n"; !strings.HasPrefix(out.String(), "time=") || !strings.HasSuffix(out.String(), want) {
		t.Errorf("text line = %q, want time=… %q", out.String(), want)
	}
}

// TestLinesDoNotInterleave: concurrent requests' lines reach the writer
// whole, one Write each.
func TestLinesDoNotInterleave(t *testing.T) {
	var w countingWriter
	l := New(Config{Format: FCLog, Out: &w})
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				l.LogRequest(httptest.NewRequest("GET", "/todos", nil), "todos-list", 200, start, end)
			}
		}()
	}
	for range 8 {
		<-done
	}
	if w.writes != 1600 || w.lines != 1600 {
		t.Errorf("%d writes, %d whole lines, want 1600 each", w.writes, w.lines)
	}
}

// countingWriter counts writes and the writes that are one whole JSON
// line; it is not safe for concurrent use, so a missing lock races.
type countingWriter struct {
	writes, lines int
	copy          *bytes.Buffer // if set, gets every byte written
}

func (w *countingWriter) Write(b []byte) (int, error) {
	w.writes++
	if w.copy != nil {
		w.copy.Write(b)
	}
	if bytes.Count(b, []byte("\n")) == 1 && (json.Valid(b) || bytes.HasPrefix(b, []byte("time="))) {
		w.lines++
	}
	return len(b), nil
}

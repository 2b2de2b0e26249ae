package metrics

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// emfMeta is an EMF line's _aws member, and emfDirectives its
// CloudWatchMetrics: the reference the constant emfMetricsJSON is held to.
type emfMeta struct {
	Timestamp int64          `json:"Timestamp"`
	Metrics   []emfDirective `json:"CloudWatchMetrics"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

var emfDirectives = []emfDirective{{
	Namespace:  MetricsNamespace,
	Dimensions: [][]string{{"function", "version"}, {"function"}},
	Metrics:    []emfMetric{{"requests", "Count"}, {"status5xx", "Count"}, {"latency", "Milliseconds"}},
}}

// TestEMFMetricsJSON: the constant CloudWatchMetrics member is what
// json.Marshal writes for the directives.
func TestEMFMetricsJSON(t *testing.T) {
	want, err := json.Marshal(emfDirectives)
	if err != nil {
		t.Fatal(err)
	}
	if emfMetricsJSON != string(want) {
		t.Errorf("emfMetricsJSON is\n%s\njson.Marshal:\n%s", emfMetricsJSON, want)
	}
}

// marshalled is the line as json.Marshal writes it, the reference
// appendLine must equal.
func marshalled(t *testing.T, line MetricsLine, at time.Time, emf bool) []byte {
	t.Helper()
	var v any = line
	if emf {
		v = struct {
			AWS emfMeta `json:"_aws"`
			MetricsLine
		}{emfMeta{at.UnixMilli(), emfDirectives}, line}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestMetricsLineIsEncodingJSON: the hand-appended line is, byte for byte,
// what json.Marshal writes, on Lambda (EMF) and on FC, with and without
// the optional members, with strings that need escapes and latencies of
// every shape.
func TestMetricsLineIsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 0, 0, 24690000, time.UTC)
	lines := []MetricsLine{
		{Msg: MetricsMsg, Function: "todofn-test-register", Version: "7", Status: 503, Requests: 1, Status5xx: 1, Latency: 12.35, RequestID: "req-1"},
		{Msg: MetricsMsg, Function: "f", Version: "$LATEST", Status: 200, Requests: 1, Latency: 0},
		{Msg: MetricsMsg, Function: "fc <&>", Version: "4", Qualifier: "live", Status: 401, Requests: 1, Latency: 0.01,
			RequestID: "1-\u2028-\xff", Time: at.Format(time.RFC3339Nano)},
		{Msg: MetricsMsg, Latency: 1234567.89, Status: -1},
		{Msg: MetricsMsg, Latency: 1e-7},
		{Msg: MetricsMsg, Latency: 3e21},
	}
	for _, line := range lines {
		for _, emf := range []bool{true, false} {
			if got, want := appendLine(nil, &line, at, emf), marshalled(t, line, at, emf); !bytes.Equal(got, want) {
				t.Errorf("emf %v:\n%s\njson.Marshal:\n%s", emf, got, want)
			}
		}
	}
}

// BenchmarkMetricsLine is one request's metrics line around a handler that
// does nothing, on Lambda (EMF): what the line costs a request.
func BenchmarkMetricsLine(b *testing.B) {
	h := Requests(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		Config{Format: EMF, Function: "todofn-todos-list", Version: "12", Out: io.Discard})
	r := httptest.NewRequest("GET", "/todos", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

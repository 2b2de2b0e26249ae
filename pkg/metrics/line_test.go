package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/wire"
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
// appendLine must equal; on FC its time is at's.
func marshalled(t *testing.T, line MetricsLine, at time.Time, emf bool) []byte {
	t.Helper()
	if !emf {
		line.Time = at.UTC().Format(time.RFC3339Nano)
	}
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
		{Msg: MetricsMsg, Function: "todofn-test-register", Version: "7", Route: "register", Method: "POST", Path: "/register",
			Status: 503, Requests: 1, Status5xx: 1, Latency: 12.35, RequestID: "req-1"},
		{Msg: MetricsMsg, Function: "f", Version: "$LATEST", Route: "-", Method: "GET", Path: "/", Status: 200, Requests: 1, Latency: 0},
		{Msg: MetricsMsg, Function: "fc <&>", Version: "4", Qualifier: "live", Route: "todos-update", Method: "PATCH",
			Path: "/todos/\"a b\"\x00\u2029\xfe", Status: 401, Requests: 1, Latency: 0.01, RequestID: "1-\u2028-\xff"},
		{Msg: MetricsMsg, Latency: 1234567.89, Status: -1},
		{Msg: MetricsMsg, Latency: 1e-7},
		{Msg: MetricsMsg, Latency: 3e21},
	}
	for _, at := range []time.Time{at, at.In(time.FixedZone("", 5*3600)), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} {
		for _, line := range lines {
			for _, emf := range []bool{true, false} {
				if got, want := appendLine(nil, &line, at, emf), marshalled(t, line, at, emf); !bytes.Equal(got, want) {
					t.Errorf("emf %v:\n%s\njson.Marshal:\n%s", emf, got, want)
				}
			}
		}
	}
}

// accessRecord is the record the API logged through log/slog before:
// the reference the plain lines are held to.
func accessRecord(at time.Time, id, route, method, path string, status int, latencyMs float64) slog.Record {
	r := slog.NewRecord(at, slog.LevelInfo, MetricsMsg, 0)
	r.AddAttrs(slog.String("request_id", id), slog.String("route", route), slog.String("method", method),
		slog.String("path", path), slog.Int("status", status), slog.Float64("latency_ms", latencyMs))
	return r
}

// TestAccessLinesAreSlogs: a plain server's hand-appended line is the one
// slog's JSON handler (and, for LOG_FORMAT=text, its text handler) writes
// for the access record, byte for byte, with values that need escaping or
// quoting, in another time zone and with latencies of every shape. The one
// difference allowed: encoding/json's escapes of <, > and & (\u003c…),
// which slog leaves as they are; both decode to the same string.
func TestAccessLinesAreSlogs(t *testing.T) {
	paths := []string{"/todos", "/todos/01J9", "", "/a b", "/a=b", `/"q"`, `/back\slash`, "/tab\t", "/nul\x00", "/del\x7f",
		"/é", "/\u00a0", "/\u2028", "/\u200b", "/bad\xff", "/<&>", "/ünïcödé", "/%zz"}
	latencies := []float64{0, 0.001, 0.123, 1, 12.345, 1234.567, 1e6, 3e21}
	zones := []*time.Location{time.UTC, time.FixedZone("", -7*3600-30*60)}
	var jsonLog, textLog bytes.Buffer
	jsonH, textH := slog.NewJSONHandler(&jsonLog, nil), slog.NewTextHandler(&textLog, nil)
	for i, path := range paths {
		at := time.Date(2026, 12, 6, 10, 40, 28, 123456789-i*1000000, zones[i%len(zones)])
		for _, lat := range latencies {
			id, route, method := "req-"+string(rune('a'+i)), []string{"todos-list", "-", ""}[i%3], []string{"GET", "PATCH", "M E"}[i%3]
			jsonLog.Reset()
			textLog.Reset()
			rec := accessRecord(at, id, route, method, path, 200+i, lat)
			if err := jsonH.Handle(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			if err := textH.Handle(context.Background(), rec.Clone()); err != nil {
				t.Fatal(err)
			}
			got := string(appendAccessJSON(nil, at, id, route, method, path, 200+i, lat))
			unescaped := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(got)
			if unescaped != jsonLog.String() {
				t.Errorf("JSON:\n%s\nslog:\n%s", got, jsonLog.String())
			}
			if got := string(appendAccessText(nil, at, id, route, method, path, 200+i, lat)); got != textLog.String() {
				t.Errorf("text:\n%s\nslog:\n%s", got, textLog.String())
			}
		}
	}
}

// BenchmarkMetricsLine is one request's line on Lambda (EMF): what the
// line costs a request in the cloud.
func BenchmarkMetricsLine(b *testing.B) {
	benchLine(b, Config{Format: EMF, Function: "todofn-todos-list", Version: "12", Out: io.Discard})
}

// BenchmarkAccessLine is one request's line on a plain server, JSON and
// text, beside what the slog access line it replaces cost (slog-json,
// slog-text: LogAttrs through slog's handlers, as pkg/api wrote it).
func BenchmarkAccessLine(b *testing.B) {
	b.Run("json", func(b *testing.B) { benchLine(b, Config{Format: JSON, Out: io.Discard}) })
	b.Run("text", func(b *testing.B) { benchLine(b, Config{Format: Text, Out: io.Discard}) })
	for name, h := range map[string]slog.Handler{"slog-json": slog.NewJSONHandler(io.Discard, nil), "slog-text": slog.NewTextHandler(io.Discard, nil)} {
		b.Run(name, func(b *testing.B) {
			log := slog.New(h)
			r := httptest.NewRequest("GET", "/todos", nil)
			r = r.WithContext(wire.WithRequestID(r.Context(), "0123456789abcdef01234567"))
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				log.LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("request_id", wire.RequestID(r.Context())), slog.String("route", "todos-list"), slog.String("method", r.Method),
					slog.String("path", r.URL.Path), slog.Int("status", 200),
					slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000))
			}
		})
	}
}

func benchLine(b *testing.B, c Config) {
	l := New(c)
	r := httptest.NewRequest("GET", "/todos", nil)
	r = r.WithContext(wire.WithRequestID(r.Context(), "0123456789abcdef01234567"))
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		l.LogRequest(r, "todos-list", 200, start, time.Now())
	}
}

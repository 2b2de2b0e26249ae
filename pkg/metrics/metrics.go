// Package metrics is the deploy metrics middleware: one JSON line per
// request, after the handler returns, with the function, the version that
// served it, the status and the handler's latency. The composition root
// adds it on Lambda and FC (see Config); it imports no cloud SDK.
package metrics

import (
	"cmp"
	"context"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/todofn/todofn/pkg/wire"
)

// On Lambda the line is in CloudWatch's Embedded Metric Format, so
// CloudWatch Logs turns it into the metrics requests, status5xx and latency
// in namespace todofn, by (function, version) and by function: no SDK call
// and no wait
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
// On FC the same fields are plain structured log fields, for Log Service
// queries and for cmd/graywindow's window on a gray release
// (docs/release.md). A plain HTTP server (make run) gets no middleware: the
// access log has the same facts and there is one version.
const (
	// MetricsNamespace is the CloudWatch namespace of the EMF lines.
	MetricsNamespace = "todofn"
	// MetricsMsg is the msg of every metrics line: the filter of
	// CloudWatch Logs, SLS and cmd/graywindow.
	MetricsMsg = "request"
	// EnvLambdaFunctionVersion is the version Lambda runs ($LATEST or a number).
	EnvLambdaFunctionVersion = "AWS_LAMBDA_FUNCTION_VERSION"
	// EnvLambdaFunctionName and EnvFCFunctionName name the function on
	// each cloud (Lambda's and FC 3.0's runtime environment variables).
	EnvLambdaFunctionName = "AWS_LAMBDA_FUNCTION_NAME"
	EnvFCFunctionName     = "FC_FUNCTION_NAME"
)

// Format is the shape of the lines.
type Format int

// The formats: none (no middleware), EMF for Lambda, plain JSON for FC.
const (
	Off Format = iota
	EMF
	FCLog
)

// Config is what Requests needs from the platform.
type Config struct {
	Format Format
	// Function and Version name the function; Version is Lambda's
	// ($AWS_LAMBDA_FUNCTION_VERSION). On FC they are filled in per request
	// (FCInvocation, else the x-fc-* headers FC sends a custom runtime).
	Function, Version string
	// FCInvocation reports the FC Go runtime's function, version id and
	// qualifier of the invocation in ctx (package platform's
	// FCInvocation); nil, or ok false, falls back to the headers.
	FCInvocation func(ctx context.Context) (function, version, qualifier string, ok bool)
	Out          io.Writer // stdout in production
}

// ConfigFromEnv is the Config for format from the runtime's environment
// variables, with FCInvocation unset.
func ConfigFromEnv(env func(string) string, format Format, out io.Writer) Config {
	return Config{Format: format, Out: out, Function: cmp.Or(env(EnvLambdaFunctionName), env(EnvFCFunctionName)),
		Version: env(EnvLambdaFunctionVersion)}
}

// MetricsLine is the JSON of one metrics line (the EMF metadata aside).
type MetricsLine struct {
	Msg       string  `json:"msg"`
	Function  string  `json:"function"`
	Version   string  `json:"version"`             // Lambda's version; FC's version id, else its qualifier
	Qualifier string  `json:"qualifier,omitempty"` // FC: the alias or version the caller named (live)
	Status    int     `json:"status"`
	Requests  int     `json:"requests"`  // always 1: summed by the metric
	Status5xx int     `json:"status5xx"` // 1 for a 5xx answer, else 0
	Latency   float64 `json:"latency"`   // milliseconds, to 0.01
	RequestID string  `json:"requestId,omitempty"`
	Time      string  `json:"time,omitempty"` // FC only; EMF has its own timestamp
}

// Requests wraps h so that each request writes its metrics line to c.Out;
// with Format Off it returns h itself.
func Requests(h http.Handler, c Config) http.Handler {
	if c.Format == Off {
		return h
	}
	return &metrics{h: h, out: c.Out, lambda: c.Format == EMF, now: time.Now,
		function: c.Function, version: c.Version, fc: c.FCInvocation}
}

type metrics struct {
	h        http.Handler
	out      io.Writer
	mu       sync.Mutex // one line at a time (FC serves requests concurrently)
	lambda   bool
	function string
	version  string
	fc       func(ctx context.Context) (function, version, qualifier string, ok bool)
	now      func() time.Time
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := m.now()
	sw := &wire.StatusWriter{ResponseWriter: w}
	m.h.ServeHTTP(sw, r)
	end := m.now()
	line := MetricsLine{Msg: MetricsMsg, Function: m.function, Version: m.version, Status: cmp.Or(sw.Status, http.StatusOK),
		Requests: 1, Latency: math.Round(float64(end.Sub(start).Microseconds())/10) / 100, RequestID: wire.RequestID(r.Context())}
	if line.Status >= 500 {
		line.Status5xx = 1
	}
	if !m.lambda {
		m.fcVersion(r, &line)
		line.Time = end.UTC().Format(time.RFC3339Nano)
	}
	m.write(line, end)
}

// fcVersion fills in FC's function, version and qualifier: from the FC3
// runtime's context (the Go runtime), else from the headers FC sends a
// custom runtime.
func (m *metrics) fcVersion(r *http.Request, line *MetricsLine) {
	if m.fc != nil {
		if function, version, qualifier, ok := m.fc(r.Context()); ok {
			line.Function = cmp.Or(function, line.Function)
			line.Version, line.Qualifier = cmp.Or(version, qualifier), qualifier
			return
		}
	}
	line.Function = cmp.Or(r.Header.Get("x-fc-function-name"), line.Function)
	line.Qualifier = r.Header.Get("x-fc-qualifier")
	line.Version = cmp.Or(r.Header.Get("x-fc-version-id"), line.Qualifier)
}

func (m *metrics) write(line MetricsLine, at time.Time) {
	bp := lineBuffers.Get().(*[]byte)
	b := appendLine((*bp)[:0], &line, at, m.lambda)
	m.writeLocked(b)
	*bp = b
	lineBuffers.Put(bp)
}

// writeLocked writes b under m's lock, released by a defer so that a sink
// that panics (recovered at the platform boundary, TestPanicInWrapperAnswers500)
// does not leave every later request waiting for the lock.
func (m *metrics) writeLocked(b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _ = m.out.Write(b) // a log line that cannot be written is dropped, never the answer
}

// lineBuffers keeps line buffers between requests.
var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// emfMetricsJSON is the constant CloudWatchMetrics member of every EMF
// line: the namespace, the dimension sets (function and version, and
// function alone) and the three metrics with their units
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
// It is a constant rather than json.Marshal of a struct at init, which
// cost a cold start 0.15 ms (GODEBUG=inittrace=1: encoding/json's first
// reflection over the types); TestEMFMetricsJSON holds it to json.Marshal
// of the directives in line_test.go.
const emfMetricsJSON = `[{"Namespace":"` + MetricsNamespace + `","Dimensions":[["function","version"],["function"]],` +
	`"Metrics":[{"Name":"requests","Unit":"Count"},{"Name":"status5xx","Unit":"Count"},{"Name":"latency","Unit":"Milliseconds"}]}]`

// appendLine appends line and a newline as json.Marshal writes it (on
// Lambda, the EMF struct that embeds it: _aws first), appended by hand so
// that a request's metrics line costs no reflection and no allocation;
// TestMetricsLineIsEncodingJSON holds the two to the byte.
func appendLine(b []byte, line *MetricsLine, at time.Time, emf bool) []byte {
	b = append(b, '{')
	if emf {
		b = append(b, `"_aws":{"Timestamp":`...)
		b = strconv.AppendInt(b, at.UnixMilli(), 10)
		b = append(b, `,"CloudWatchMetrics":`...)
		b = append(b, emfMetricsJSON...)
		b = append(b, "},"...)
	}
	b = append(b, `"msg":`...)
	b = wire.AppendString(b, line.Msg)
	b = append(b, `,"function":`...)
	b = wire.AppendString(b, line.Function)
	b = append(b, `,"version":`...)
	b = wire.AppendString(b, line.Version)
	if line.Qualifier != "" {
		b = append(b, `,"qualifier":`...)
		b = wire.AppendString(b, line.Qualifier)
	}
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(line.Status), 10)
	b = append(b, `,"requests":`...)
	b = strconv.AppendInt(b, int64(line.Requests), 10)
	b = append(b, `,"status5xx":`...)
	b = strconv.AppendInt(b, int64(line.Status5xx), 10)
	b = append(b, `,"latency":`...)
	b = wire.AppendFloat(b, line.Latency)
	if line.RequestID != "" {
		b = append(b, `,"requestId":`...)
		b = wire.AppendString(b, line.RequestID)
	}
	if line.Time != "" {
		b = append(b, `,"time":`...)
		b = wire.AppendString(b, line.Time)
	}
	return append(b, "}\n"...)
}

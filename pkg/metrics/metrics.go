// Package metrics writes the one line of each request an HTTP function
// answers: the access log and, in the cloud, the deploy metrics, in one
// hand-appended JSON (or, on a plain server, text) line with no reflection
// and no allocation. The API server (package api) calls LogRequest once
// per request, after the handler returns; the composition root
// (apiserver) picks the Format from the platform and LOG_FORMAT. It
// imports no cloud SDK and no log/slog.
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
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html,
// "Root node": it must hold the _aws metadata and every target member the
// directives name, and "MAY contain any other members not included in the
// requirements above", so route, method and path ride along in the log
// event). On FC the same fields are plain structured
// log fields, for Log Service queries and for cmd/graywindow's window on a
// gray release (docs/release.md). On a plain HTTP server (make run) the
// line is the access log line log/slog's JSON or text handler wrote before
// (the same members, in the same order, so a reader of either sees no
// change): there is no function or version to report.
//
// In the cloud the line is written at every LOG_LEVEL, because the
// metrics, the canary alarms and the gray window are made from it (the
// metrics line of old was written at every level too); on a plain server it
// is an access line at level INFO, and apiserver leaves it out when
// LOG_LEVEL is warn or error.
const (
	// MetricsNamespace is the CloudWatch namespace of the EMF lines.
	MetricsNamespace = "todofn"
	// MetricsMsg is the msg of every request line: the filter of
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

// The formats: none, EMF for Lambda, plain JSON with the function's
// version for FC, and on a plain HTTP server the access line in
// LOG_FORMAT's shape, JSON or text.
const (
	Off Format = iota
	EMF
	FCLog
	JSON
	Text
)

// Config is what New needs from the platform.
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
	Out          io.Writer // stdout in the cloud; the log's writer on a plain server
	// Batch lets a plain server's lines (JSON, Text) go out in batches
	// (batch.go) instead of one write each; EMF and FCLog lines are always
	// written before LogRequest returns.
	Batch bool
}

// ConfigFromEnv is the Config for format from the runtime's environment
// variables, with FCInvocation unset.
func ConfigFromEnv(env func(string) string, format Format, out io.Writer) Config {
	return Config{Format: format, Out: out, Function: cmp.Or(env(EnvLambdaFunctionName), env(EnvFCFunctionName)),
		Version: env(EnvLambdaFunctionVersion)}
}

// MetricsLine is the JSON of one cloud line (the EMF metadata aside), in
// the order of its members.
type MetricsLine struct {
	Msg       string  `json:"msg"`
	Function  string  `json:"function"`
	Version   string  `json:"version"`             // Lambda's version; FC's version id, else its qualifier
	Qualifier string  `json:"qualifier,omitempty"` // FC: the alias or version the caller named (live)
	Route     string  `json:"route"`               // the function of the route table that served it; "-" if none did
	Method    string  `json:"method"`
	Path      string  `json:"path"`
	Status    int     `json:"status"`
	Requests  int     `json:"requests"`  // always 1: summed by the metric
	Status5xx int     `json:"status5xx"` // 1 for a 5xx answer, else 0
	Latency   float64 `json:"latency"`   // milliseconds, to 0.01
	RequestID string  `json:"requestId,omitempty"`
	Time      string  `json:"time,omitempty"` // FC only (the end, UTC, RFC 3339 with nanoseconds); EMF has its own timestamp
}

// Log writes one line per request to its Config's Out. It is safe for
// concurrent use; the nil *Log writes nothing.
type Log struct {
	c  Config
	mu sync.Mutex // one line at a time (FC and a plain server serve requests concurrently)

	batch   bool       // c.Batch with a plain format
	cond    *sync.Cond // on mu: a batch was taken, or the writer stopped
	pending []byte     // lines not yet taken by the writer
	spare   []byte     // the writer's last batch, for reuse
	writing bool       // a writer goroutine runs
}

// New returns the Log c describes, or nil for Format Off.
func New(c Config) *Log {
	if c.Format == Off {
		return nil
	}
	l := &Log{c: c, batch: c.Batch && (c.Format == JSON || c.Format == Text)}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// LogRequest writes the line of r, which route answered with status (0
// counts as the 200 net/http sends when a handler writes nothing), started
// at start and done at end. A line that cannot be written is dropped,
// never the answer.
func (l *Log) LogRequest(r *http.Request, route string, status int, start, end time.Time) {
	if l == nil {
		return
	}
	if l.batch {
		l.logBatched(r, cmp.Or(route, "-"), cmp.Or(status, http.StatusOK), start, end)
		return
	}
	bp := lineBuffers.Get().(*[]byte)
	b := l.appendRequest((*bp)[:0], r, cmp.Or(route, "-"), cmp.Or(status, http.StatusOK), start, end)
	l.writeLocked(b)
	*bp = b
	lineBuffers.Put(bp)
}

func (l *Log) appendRequest(b []byte, r *http.Request, route string, status int, start, end time.Time) []byte {
	id := wire.RequestID(r.Context())
	switch l.c.Format {
	case JSON:
		return appendAccessJSON(b, end, id, route, r.Method, r.URL.Path, status, accessLatency(start, end))
	case Text:
		return appendAccessText(b, end, id, route, r.Method, r.URL.Path, status, accessLatency(start, end))
	}
	line := MetricsLine{Msg: MetricsMsg, Function: l.c.Function, Version: l.c.Version, Route: route, Method: r.Method,
		Path: r.URL.Path, Status: status, Requests: 1, Latency: math.Round(float64(end.Sub(start).Microseconds())/10) / 100, RequestID: id}
	if status >= 500 {
		line.Status5xx = 1
	}
	emf := l.c.Format == EMF
	if !emf {
		l.fcVersion(r, &line)
	}
	return appendLine(b, &line, end, emf)
}

// accessLatency is the plain line's latency_ms: milliseconds to the
// microsecond, as the slog access line had it.
func accessLatency(start, end time.Time) float64 {
	return float64(end.Sub(start).Microseconds()) / 1000
}

// fcVersion fills in FC's function, version and qualifier: from the FC3
// runtime's context (the Go runtime), else from the headers FC sends a
// custom runtime.
func (l *Log) fcVersion(r *http.Request, line *MetricsLine) {
	if l.c.FCInvocation != nil {
		if function, version, qualifier, ok := l.c.FCInvocation(r.Context()); ok {
			line.Function = cmp.Or(function, line.Function)
			line.Version, line.Qualifier = cmp.Or(version, qualifier), qualifier
			return
		}
	}
	line.Function = cmp.Or(r.Header.Get("x-fc-function-name"), line.Function)
	line.Qualifier = r.Header.Get("x-fc-qualifier")
	line.Version = cmp.Or(r.Header.Get("x-fc-version-id"), line.Qualifier)
}

// writeLocked writes b under l's lock, released by a defer so that a sink
// that panics (recovered at the platform boundary, TestPanicInWrapperAnswers500)
// does not leave every later request waiting for the lock.
func (l *Log) writeLocked(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.c.Out.Write(b) // a log line that cannot be written is dropped, never the answer
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
// that a request's line costs no reflection and no allocation;
// TestMetricsLineIsEncodingJSON holds the two to the byte. The times come
// from at: EMF's Timestamp, and on FC the time member (line.Time is not
// read, so that no string is formatted per request).
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
	b = append(b, `,"route":`...)
	b = wire.AppendString(b, line.Route)
	b = append(b, `,"method":`...)
	b = wire.AppendString(b, line.Method)
	b = append(b, `,"path":`...)
	b = wire.AppendString(b, line.Path)
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
	if !emf {
		b = append(b, `,"time":"`...)
		b = at.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, "}\n"...)
}

package platform

import (
	"cmp"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/todofn/todofn/pkg/wire"
)

// Deploy metrics. On Lambda and FC, Run writes one JSON line per request
// to stdout after the handler returns: the function, the version that
// served it, the status and the handler's latency. On Lambda the line is
// in CloudWatch's Embedded Metric Format, so CloudWatch Logs turns it into
// the metrics requests, status5xx and latency in namespace todofn, by
// (function, version) and by function: no SDK call and no wait. On FC the
// same fields are plain structured log fields, for Log Service queries and
// for cmd/graywindow's window on a gray release (docs/release.md). A plain
// HTTP server (make run, the FC custom runtime aside) writes nothing: the
// access log has the same facts and there is one version.
const (
	// MetricsNamespace is the CloudWatch namespace of the EMF lines.
	MetricsNamespace = "todofn"
	// MetricsMsg is the msg of every metrics line: the filter of
	// CloudWatch Logs, SLS and cmd/graywindow.
	MetricsMsg = "request"
	// EnvLambdaFunctionVersion is the version Lambda runs ($LATEST or a number).
	EnvLambdaFunctionVersion = "AWS_LAMBDA_FUNCTION_VERSION"
)

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

// emfMeta is an EMF line's _aws member.
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

// withMetrics wraps h so that each request writes its metrics line to out,
// on Lambda or FC (chosen from env as Run chooses); elsewhere it returns h.
func withMetrics(env func(string) string, out io.Writer, h http.Handler) http.Handler {
	lambda := env(EnvLambdaRuntimeAPI) != ""
	if !lambda && env(EnvFCRuntimeAPI) == "" && env(EnvFCListenPort) == "" {
		return h
	}
	return &metrics{h: h, out: out, lambda: lambda, now: time.Now,
		function: cmp.Or(env("AWS_LAMBDA_FUNCTION_NAME"), env("FC_FUNCTION_NAME")), version: env(EnvLambdaFunctionVersion)}
}

type metrics struct {
	h        http.Handler
	out      io.Writer
	mu       sync.Mutex // one line at a time (FC serves requests concurrently)
	lambda   bool
	function string
	version  string
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
	if fcc, ok := fccontext.FromContext(r.Context()); ok {
		line.Function = cmp.Or(fcc.Function.Name, line.Function)
		line.Version, line.Qualifier = cmp.Or(fcc.Service.VersionId, fcc.Service.Qualifier), fcc.Service.Qualifier
		return
	}
	line.Function = cmp.Or(r.Header.Get("x-fc-function-name"), line.Function)
	line.Qualifier = r.Header.Get("x-fc-qualifier")
	line.Version = cmp.Or(r.Header.Get("x-fc-version-id"), line.Qualifier)
}

func (m *metrics) write(line MetricsLine, at time.Time) {
	var b []byte
	if m.lambda {
		// EMF wants the metadata under _aws beside the members it names.
		b, _ = json.Marshal(struct {
			AWS emfMeta `json:"_aws"`
			MetricsLine
		}{emfMeta{at.UnixMilli(), emfDirectives}, line})
	} else {
		b, _ = json.Marshal(line)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _ = m.out.Write(append(b, '\n')) // a log line that cannot be written is dropped, never the answer
}

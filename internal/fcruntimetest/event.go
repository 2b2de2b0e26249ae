package fcruntimetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HTTPTriggerEvent is the event FC3 delivers to a function behind an HTTP
// trigger, as fc-runtime-go-sdk's events.HTTPTriggerEvent reads it. Note that
// requestContext.timeEpoch is a JSON string of epoch milliseconds.
type HTTPTriggerEvent struct {
	Version         string            `json:"version"`
	RawPath         string            `json:"rawPath"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Headers         map[string]string `json:"headers"`
	QueryParameters map[string]string `json:"queryParameters"`
	RequestContext  TriggerContext    `json:"requestContext"`
}

// TriggerContext is the requestContext of an HTTPTriggerEvent.
type TriggerContext struct {
	AccountID    string      `json:"accountId"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         HTTPContext `json:"http"`
	RequestID    string      `json:"requestId"`
	Time         string      `json:"time"`
	TimeEpoch    string      `json:"timeEpoch"`
}

// HTTPContext is requestContext.http of an HTTPTriggerEvent.
type HTTPContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// HTTPTriggerResponse is what a function returns for an HTTP trigger: one
// string per header name.
type HTTPTriggerResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Body            string            `json:"body"`
}

// HTTPEvent reads r's body and returns the JSON HTTP-trigger event FC3
// would deliver for r, with requestID as requestContext.requestId, stamped
// with the current time. See NewHTTPEvent.
func HTTPEvent(r *http.Request, requestID string) ([]byte, error) {
	ev, err := NewHTTPEvent(r, requestID, time.Now())
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

// NewHTTPEvent reads r's body and builds its HTTP-trigger event: header
// multi-values joined with ", " (Cookie with "; "), the query as a map
// holding the first value of each name (FC3's map has room for one), and
// the body as text when it is valid UTF-8, else base64.
func NewHTTPEvent(r *http.Request, requestID string, now time.Time) (*HTTPTriggerEvent, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("fcruntime: read request body: %w", err)
		}
		body = b
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ip = h
	}
	ev := &HTTPTriggerEvent{
		Version: "v1",
		RawPath: r.URL.EscapedPath(),
		Headers: map[string]string{},
		RequestContext: TriggerContext{
			AccountID:    "1234567890",
			DomainName:   host,
			DomainPrefix: strings.SplitN(host, ".", 2)[0],
			HTTP: HTTPContext{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  "HTTP/1.1",
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
			RequestID: requestID,
			Time:      now.UTC().Format(time.RFC3339),
			TimeEpoch: strconv.FormatInt(now.UnixMilli(), 10),
		},
	}
	if ev.RawPath == "" {
		ev.RawPath = "/"
	}
	for k, vs := range r.Header {
		sep := ", "
		if http.CanonicalHeaderKey(k) == "Cookie" {
			sep = "; "
		}
		ev.Headers[http.CanonicalHeaderKey(k)] = strings.Join(vs, sep)
	}
	if host != "" {
		ev.Headers["Host"] = host
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryParameters = make(map[string]string, len(q))
		for k, vs := range q {
			ev.QueryParameters[k] = vs[0]
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev, nil
}

// HTTPResponse decodes an HTTP-trigger response and writes it to w: the
// headers (in name order), the status (200 when it has none) and the body,
// base64-decoded when isBase64Encoded. It writes nothing when result is not
// a valid response.
func HTTPResponse(result []byte, w http.ResponseWriter) error {
	var resp HTTPTriggerResponse
	if err := json.Unmarshal(result, &resp); err != nil {
		return fmt.Errorf("fcruntime: decode HTTP trigger response: %w", err)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("fcruntime: decode response body: %w", err)
		}
		body = b
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return fmt.Errorf("fcruntime: response status %d out of range", status)
	}
	keys := make([]string, 0, len(resp.Headers))
	for k := range resp.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.Header().Set(k, resp.Headers[k])
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("fcruntime: write response body: %w", err)
	}
	return nil
}

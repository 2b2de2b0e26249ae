// Package lambdaurl turns an ordinary HTTP request into an AWS Lambda
// function-URL event (payload format 2.0) and a function-URL response event
// back into an HTTP response. It lets local tools, such as a dev front or a
// test, drive a function built for Lambda (for example under the runtime
// interface emulator) with real HTTP. It speaks the events' JSON directly
// and imports no AWS SDK.
package lambdaurltest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Request is a function-URL request event (payload format 2.0), the fields
// Lambda fills for a function URL.
type Request struct {
	Version         string            `json:"version"`
	RouteKey        string            `json:"routeKey"`
	RawPath         string            `json:"rawPath"`
	RawQueryString  string            `json:"rawQueryString"`
	Cookies         []string          `json:"cookies,omitempty"`
	Headers         map[string]string `json:"headers"`
	QueryParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext  RequestContext    `json:"requestContext"`
	Body            string            `json:"body,omitempty"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

// RequestContext is the requestContext of a Request.
type RequestContext struct {
	AccountID    string      `json:"accountId"`
	APIID        string      `json:"apiId"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         HTTPContext `json:"http"`
	RequestID    string      `json:"requestId"`
	RouteKey     string      `json:"routeKey"`
	Stage        string      `json:"stage"`
	Time         string      `json:"time"`
	TimeEpoch    int64       `json:"timeEpoch"`
}

// HTTPContext is requestContext.http of a Request.
type HTTPContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// Response is a function-URL response event.
type Response struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Cookies         []string          `json:"cookies"`
}

// FunctionURLEvent reads r's body and returns the JSON function-URL event
// Lambda would deliver for r, with requestID as requestContext.requestId,
// stamped with the current time. See NewEvent.
func FunctionURLEvent(r *http.Request, requestID string) ([]byte, error) {
	ev, err := NewEvent(r, requestID, time.Now())
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

// NewEvent reads r's body and builds the function-URL event for it as Lambda
// does: header names lower-cased and multi-values joined with ",", the
// Cookie header split into cookies, the query both raw and as a map
// (multi-values joined with ","), and the body as text when it is valid
// UTF-8, else base64.
func NewEvent(r *http.Request, requestID string, now time.Time) (*Request, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("lambdaurl: read request body: %w", err)
		}
		body = b
	}
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	ev := &Request{
		Version:        "2.0",
		RouteKey:       "$default",
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		RequestContext: RequestContext{
			AccountID:    "anonymous",
			DomainName:   host,
			DomainPrefix: strings.SplitN(host, ".", 2)[0],
			HTTP: HTTPContext{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  "HTTP/1.1",
				SourceIP:  sourceIP(r.RemoteAddr),
				UserAgent: r.UserAgent(),
			},
			RequestID: requestID,
			RouteKey:  "$default",
			Stage:     "$default",
			Time:      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch: now.UnixMilli(),
		},
	}
	if ev.RawPath == "" {
		ev.RawPath = "/"
	}
	for k, vs := range r.Header {
		k = strings.ToLower(k)
		if k == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[k] = strings.Join(vs, ",")
	}
	if host != "" {
		ev.Headers["host"] = host
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryParameters = make(map[string]string, len(q))
		for k, vs := range q {
			ev.QueryParameters[k] = strings.Join(vs, ",")
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

func sourceIP(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// WriteFunctionURLResponse decodes a function-URL response event and writes
// it to w: the headers (in name order), one Set-Cookie per cookie, the status
// (200 when the event has none) and the body, base64-decoded when
// isBase64Encoded. It writes nothing when result is not a valid response.
func WriteFunctionURLResponse(result []byte, w http.ResponseWriter) error {
	var resp Response
	if err := json.Unmarshal(result, &resp); err != nil {
		return fmt.Errorf("lambdaurl: decode response event: %w", err)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("lambdaurl: decode response body: %w", err)
		}
		body = b
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return fmt.Errorf("lambdaurl: response status %d out of range", status)
	}
	keys := make([]string, 0, len(resp.Headers))
	for k := range resp.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.Header().Set(k, resp.Headers[k])
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("lambdaurl: write response body: %w", err)
	}
	return nil
}

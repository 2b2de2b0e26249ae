// Package lambdaurltest turns an ordinary HTTP request into an AWS Lambda
// function-URL event (payload format 2.0) and a function-URL response event
// back into an HTTP response. It lets local tools, such as a dev front or a
// test, drive a function built for Lambda (for example under the runtime
// interface emulator) with real HTTP. It speaks the events' JSON directly
// and imports no AWS SDK.
package lambdaurltest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/httpeventtest"
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
	return httpeventtest.EventJSON(r, requestID, NewEvent)
}

// NewEvent reads r's body and builds the function-URL event for it as Lambda
// does: header names lower-cased and multi-values joined with ",", the
// Cookie header split into cookies, the query both raw and as a map
// (multi-values joined with ","), and the body as text when it is valid
// UTF-8, else base64.
func NewEvent(r *http.Request, requestID string, now time.Time) (*Request, error) {
	in, err := httpeventtest.ReadRequest(r)
	if err != nil {
		return nil, fmt.Errorf("lambdaurl: %w", err)
	}
	ev := &Request{
		Version:         "2.0",
		RouteKey:        "$default",
		RawPath:         in.RawPath,
		RawQueryString:  r.URL.RawQuery,
		Headers:         map[string]string{},
		Body:            in.Body,
		IsBase64Encoded: in.IsBase64Encoded,
		RequestContext: RequestContext{
			AccountID:    "anonymous",
			DomainName:   in.Host,
			DomainPrefix: in.DomainPrefix,
			HTTP:         HTTPContext(in.HTTP),
			RequestID:    requestID,
			RouteKey:     "$default",
			Stage:        "$default",
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
		},
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
	if in.Host != "" {
		ev.Headers["host"] = in.Host
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryParameters = make(map[string]string, len(q))
		for k, vs := range q {
			ev.QueryParameters[k] = strings.Join(vs, ",")
		}
	}
	return ev, nil
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
	err := httpeventtest.WriteResponse(w, httpeventtest.Response(resp))
	if err != nil {
		return fmt.Errorf("lambdaurl: %w", err)
	}
	return nil
}

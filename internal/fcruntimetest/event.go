package fcruntimetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/httpeventtest"
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
	return httpeventtest.EventJSON(r, requestID, NewHTTPEvent)
}

// NewHTTPEvent reads r's body and builds its HTTP-trigger event: header
// multi-values joined with ", " (Cookie with "; "), the query as a map of
// one string per name, a repeated parameter's values joined with "," as FC
// joins them ("parameter2": "value1,value2" in the request struct of
// https://www.alibabacloud.com/help/en/functioncompute/fc/http-trigger-invoking-function),
// and the body as text when it is valid UTF-8, else base64.
func NewHTTPEvent(r *http.Request, requestID string, now time.Time) (*HTTPTriggerEvent, error) {
	in, err := httpeventtest.ReadRequest(r)
	if err != nil {
		return nil, fmt.Errorf("fcruntime: %w", err)
	}
	ev := &HTTPTriggerEvent{
		Version:         "v1",
		RawPath:         in.RawPath,
		Body:            in.Body,
		IsBase64Encoded: in.IsBase64Encoded,
		Headers:         map[string]string{},
		RequestContext: TriggerContext{
			AccountID:    "1234567890",
			DomainName:   in.Host,
			DomainPrefix: in.DomainPrefix,
			HTTP:         HTTPContext(in.HTTP),
			RequestID:    requestID,
			Time:         now.UTC().Format(time.RFC3339),
			TimeEpoch:    strconv.FormatInt(now.UnixMilli(), 10),
		},
	}
	for k, vs := range r.Header {
		sep := ", "
		if http.CanonicalHeaderKey(k) == "Cookie" {
			sep = "; "
		}
		ev.Headers[http.CanonicalHeaderKey(k)] = strings.Join(vs, sep)
	}
	if in.Host != "" {
		ev.Headers["Host"] = in.Host
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryParameters = make(map[string]string, len(q))
		for k, vs := range q {
			ev.QueryParameters[k] = strings.Join(vs, ",")
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
	err := httpeventtest.WriteResponse(w, httpeventtest.Response{
		StatusCode:      resp.StatusCode,
		Headers:         resp.Headers,
		Body:            resp.Body,
		IsBase64Encoded: resp.IsBase64Encoded,
	})
	if err != nil {
		return fmt.Errorf("fcruntime: %w", err)
	}
	return nil
}

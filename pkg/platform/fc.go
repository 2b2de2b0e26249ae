//go:build !no_fc && !lambda.norpc

package platform

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fc"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/todofn/todofn/pkg/wire"
)

// fcHandler is the handler shape fc.Start is given. The SDK passes a []byte
// event through untouched, but it always json.Marshals the returned value:
// a []byte would arrive as a base64 JSON string, so results are returned as
// json.RawMessage (marshalled as itself, compacted) when they are JSON, and
// as a string otherwise (which the SDK encodes as a JSON string).
type fcHandler = func(ctx context.Context, payload []byte) (any, error)

// runFC starts fc-runtime-go-sdk's runtime API loop with h and returns when
// ctx is cancelled. fc.Start cannot be stopped, and it calls log.Fatalf (so
// exits the process) if the loop fails. It also sets the standard logger's
// flags.
func runFC(ctx context.Context, h fcHandler) error {
	go fc.Start(h)
	<-ctx.Done()
	return nil
}

// runFCHTTP runs h on FC's Go runtime (HTTP-trigger events).
func runFCHTTP(ctx context.Context, h http.Handler) error { return runFC(ctx, fcHTTP(h)) }

// runFCEvents runs h on FC's Go runtime (raw events).
func runFCEvents(ctx context.Context, h EventHandler) error { return runFC(ctx, fcEvents(h)) }

// FCInvocation reports the function name, version id and qualifier that
// FC's Go runtime put into ctx (fccontext); ok is false outside an FC Go
// runtime invocation, and always in a build without the FC runtime.
// Package metrics is given it to name the version that served a request.
func FCInvocation(ctx context.Context) (function, version, qualifier string, ok bool) {
	fcc, ok := fccontext.FromContext(ctx)
	if !ok {
		return "", "", "", false
	}
	return fcc.Function.Name, fcc.Service.VersionId, fcc.Service.Qualifier, true
}

// withFCAnswerTime is withAnswerTime for an FC invocation. fc.Start's
// context carries the invocation's deadline (the runtime API's
// x-fc-function-deadline); should it lack one, or have one already past,
// the deadline is the function's timeout (fccontext's Function.Timeout,
// x-fc-function-timeout) from now.
func withFCAnswerTime(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) > 0 {
		return withAnswerTime(ctx)
	}
	fcc, ok := fccontext.FromContext(ctx)
	if !ok || fcc.Function.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(fcc.Function.Timeout)*time.Second)
	ctx, cancelAnswer := withAnswerTime(ctx)
	return ctx, func() { cancelAnswer(); cancel() }
}

// fcRequestID puts FC's request ID into ctx, falling back to the event's.
func fcRequestID(ctx context.Context, fallback string) context.Context {
	var id string
	if fcc, ok := fccontext.FromContext(ctx); ok {
		id = fcc.RequestID
	}
	return wire.WithRequestID(ctx, cmp.Or(id, fallback))
}

func fcHTTP(h http.Handler) fcHandler {
	return func(ctx context.Context, payload []byte) (any, error) {
		ctx, cancel := withFCAnswerTime(ctx)
		defer cancel()
		b, err := ServeHTTPTrigger(ctx, h, payload)
		if err != nil {
			return nil, err
		}
		return json.RawMessage(b), nil
	}
}

// ServeHTTPTrigger runs h on one Function Compute 3 HTTP-trigger event and
// returns the JSON of the events.HTTPTriggerResponse. The request ID is FC's
// (from fccontext) or else the event's requestContext.requestId.
//
// The request gets the method from requestContext.http.method, rawPath, the
// queryParameters map as the raw query (sorted by key; a value FC joined
// from a repeated parameter stays one value, unsplit), the headers, Host,
// the source IP (when it is an IP address) as RemoteAddr and the body
// (base64-decoded when isBase64Encoded). The response carries the status,
// the headers with multi-values joined by ", " and the body, base64-encoded
// unless it is valid UTF-8 with a textual Content-Type.
//
// FC3's response shape has one string per header name, so several
// Set-Cookie headers are joined into one value with ", ", which browsers do
// not split: a handler that must set more than one cookie cannot do so
// through an FC3 HTTP trigger. A malformed event gets a 400 invalid_request
// response; h is not called. A panic in h is logged and answered with a 500
// internal response.
func ServeHTTPTrigger(ctx context.Context, h http.Handler, payload []byte) ([]byte, error) {
	var ev events.HTTPTriggerEvent
	var out outbound
	if err := json.Unmarshal(payload, &ev); err != nil {
		out = badRequest(fmt.Errorf("%w: not an HTTP trigger event: %v", errBadEvent, err))
	} else if r, err := httpTriggerRequest(fcRequestID(ctx, str(ev.TriggerContext.RequestId)), ev); err != nil {
		out = badRequest(err)
	} else {
		out = serveRecorded(h, r) // a panic answers 500 (recover.go)
	}
	b, err := json.Marshal(events.HTTPTriggerResponse{
		StatusCode:      out.status,
		Headers:         joined(out.header, false),
		IsBase64Encoded: out.base64,
		Body:            out.body,
	})
	if err != nil {
		return nil, fmt.Errorf("platform: encode HTTP trigger response: %w", err)
	}
	return b, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func httpTriggerRequest(ctx context.Context, ev events.HTTPTriggerEvent) (*http.Request, error) {
	var header http.Header
	if ev.Headers != nil {
		header = headerOf(*ev.Headers)
	}
	// FC3's queryParameters has one string per name, and FC joins a
	// repeated parameter's values with commas: "parameter2": "value1,value2"
	// in the request struct of "Use an HTTP trigger to invoke a function"
	// (https://www.alibabacloud.com/help/en/functioncompute/fc/http-trigger-invoking-function).
	// ?p=a&p=b and ?p=a%2Cb thus arrive alike, as "a,b", so splitting at
	// commas would break every single value that holds one (a search term,
	// an e-mail display name). Each value therefore stays one value, as FC
	// sent it: r.URL.Query()["p"] is ["a,b"]. The API reads each parameter
	// once (limit, cursor, email, code), so a repeated one reaches its
	// handler as that joined value and is judged as one value (limit "5,6"
	// is not a number: 400), where Lambda's raw query gives the first.
	var query string
	if ev.QueryParameters != nil {
		q := make(url.Values, len(*ev.QueryParameters))
		for k, v := range *ev.QueryParameters {
			q.Set(k, v)
		}
		query = q.Encode()
	}
	path := str(ev.RawPath)
	if path == "" {
		path = str(ev.TriggerContext.Http.Path)
	}
	in := inbound{
		method:   str(ev.TriggerContext.Http.Method),
		rawPath:  path,
		rawQuery: query,
		header:   header,
		host:     str(ev.TriggerContext.DomainName),
		sourceIP: str(ev.TriggerContext.Http.SourceIp),
		body:     str(ev.Body),
		base64:   ev.IsBase64Encoded != nil && *ev.IsBase64Encoded,
	}
	return in.request(ctx)
}

func fcEvents(h EventHandler) fcHandler {
	return func(ctx context.Context, payload []byte) (any, error) {
		ctx, cancel := withFCAnswerTime(ctx)
		defer cancel()
		b, err := handleRecovering(fcRequestID(ctx, ""), h, payload)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return json.RawMessage(nil), nil // marshals as null
		}
		if json.Valid(b) {
			return json.RawMessage(b), nil
		}
		return string(b), nil
	}
}

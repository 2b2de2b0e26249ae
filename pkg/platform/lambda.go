//go:build !no_lambda && !no_dynamodb

package platform

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/todofn/todofn/pkg/wire"
)

// runLambda starts aws-lambda-go's runtime API loop with h and returns when
// ctx is cancelled. h implements lambda.Handler, so the SDK passes the raw
// payload in and the returned bytes out without JSON re-encoding.
func runLambda(ctx context.Context, h lambda.Handler) error {
	go lambda.StartWithOptions(h, lambda.WithContext(ctx))
	<-ctx.Done()
	return nil
}

// runLambdaHTTP runs h on Lambda's runtime API (function-URL events).
func runLambdaHTTP(ctx context.Context, h http.Handler) error {
	return runLambda(ctx, lambdaHTTP{h: h})
}

// runLambdaEvents runs h on Lambda's runtime API (raw events).
func runLambdaEvents(ctx context.Context, h EventHandler) error {
	return runLambda(ctx, lambdaEvents{h: h})
}

// lambdaRequestID puts Lambda's request ID into ctx, falling back to the
// event's own when the SDK context is missing.
func lambdaRequestID(ctx context.Context, fallback string) context.Context {
	var id string
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		id = lc.AwsRequestID
	}
	return wire.WithRequestID(ctx, cmp.Or(id, fallback))
}

// lambdaHTTP serves function-URL (and API Gateway HTTP API v2, the same
// JSON) events with an http.Handler.
type lambdaHTTP struct{ h http.Handler }

// Invoke implements lambda.Handler. A malformed event is answered with a
// 400 response event; only a response that cannot be encoded is an error.
// The handler's context ends a second before the invocation's deadline
// (see answerMargin).
func (l lambdaHTTP) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ctx, cancel := withAnswerTime(ctx)
	defer cancel()
	return ServeFunctionURL(ctx, l.h, payload)
}

// ServeFunctionURL runs h on one Lambda function-URL event (payload format
// 2.0, as API Gateway HTTP APIs also send) and returns the JSON of the
// events.LambdaFunctionURLResponse. The request ID is Lambda's (from
// lambdacontext) or else the event's requestContext.requestId.
//
// The request gets the method, raw path and query, the headers (multi-values
// stay comma-joined as Lambda sends them), the cookies as one Cookie header,
// Host, the source IP (when it is an IP address) as RemoteAddr and the body
// (base64-decoded when isBase64Encoded). The response carries the status,
// the headers (multi-values joined with ", "), every Set-Cookie in cookies,
// and the body, base64-encoded unless it is valid UTF-8 with a textual
// Content-Type. A malformed event gets a 400 invalid_request response; h is
// not called. A panic in h is logged and answered with a 500 internal
// response.
func ServeFunctionURL(ctx context.Context, h http.Handler, payload []byte) ([]byte, error) {
	var ev events.LambdaFunctionURLRequest
	var out outbound
	if err := json.Unmarshal(payload, &ev); err != nil {
		out = badRequest(fmt.Errorf("%w: not a function URL event: %v", errBadEvent, err))
	} else if r, err := functionURLRequest(lambdaRequestID(ctx, ev.RequestContext.RequestID), ev); err != nil {
		out = badRequest(err)
	} else {
		out = serveRecorded(h, r) // a panic answers 500 (recover.go)
	}
	b, err := json.Marshal(functionURLResponse(out))
	if err != nil {
		return nil, fmt.Errorf("platform: encode function URL response: %w", err)
	}
	return b, nil
}

func functionURLRequest(ctx context.Context, ev events.LambdaFunctionURLRequest) (*http.Request, error) {
	header := headerOf(ev.Headers)
	for _, c := range ev.Cookies {
		header.Add("Cookie", c)
	}
	if cs := header.Values("Cookie"); len(cs) > 1 {
		header.Set("Cookie", joinCookies(cs))
	}
	in := inbound{
		method:   ev.RequestContext.HTTP.Method,
		rawPath:  ev.RawPath,
		rawQuery: ev.RawQueryString,
		header:   header,
		host:     ev.RequestContext.DomainName,
		sourceIP: ev.RequestContext.HTTP.SourceIP,
		body:     ev.Body,
		base64:   ev.IsBase64Encoded,
	}
	return in.request(ctx)
}

func joinCookies(cs []string) string {
	s := cs[0]
	for _, c := range cs[1:] {
		s += "; " + c
	}
	return s
}

func functionURLResponse(out outbound) events.LambdaFunctionURLResponse {
	return events.LambdaFunctionURLResponse{
		StatusCode:      out.status,
		Headers:         joined(out.header, true),
		Body:            out.body,
		IsBase64Encoded: out.base64,
		Cookies:         out.header.Values("Set-Cookie"),
	}
}

// lambdaEvents passes raw event payloads to an EventHandler.
type lambdaEvents struct{ h EventHandler }

// Invoke implements lambda.Handler: the payload in and the result out are
// the raw bytes; an error fails the invocation (so Lambda may retry it), and
// so does a panic, recovered so that the process lives on. The handler's
// context ends a second before the invocation's deadline.
func (l lambdaEvents) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ctx, cancel := withAnswerTime(ctx)
	defer cancel()
	return handleRecovering(lambdaRequestID(ctx, ""), l.h, payload)
}

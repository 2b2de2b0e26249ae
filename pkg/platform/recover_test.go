//go:build !no_lambda && !no_dynamodb && !no_fc && !lambda.norpc

package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/todofn/todofn/internal/fcruntimetest"
	"github.com/todofn/todofn/internal/lambdaurltest"
	"github.com/todofn/todofn/pkg/metrics"
)

// panicWriter is a request-line sink that panics: the line is written
// after the handler has answered, in the API's middleware after its own
// recover has run, so the panic reaches the platform.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("metrics sink broke") }

// A panic in a wrapper around the handler (here the request line, which
// is written after the handler has answered) becomes a 500 in the one
// envelope, logged once, on Lambda and on FC go1.
func TestPanicInWrapperAnswers500(t *testing.T) {
	line := metrics.New(metrics.Config{Format: metrics.EMF, Function: "todofn-login", Out: panicWriter{}})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		echoHandler().ServeHTTP(w, r)
		line.LogRequest(r, "login", http.StatusOK, start, time.Now())
	})

	t.Run("Lambda function URL", func(t *testing.T) {
		var log bytes.Buffer
		ctx := lambdacontext.NewContext(withPanicLog(context.Background(), &log), &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-1"})
		ev, err := lambdaurltest.FunctionURLEvent(httptest.NewRequest("POST", "/login", strings.NewReader(`{}`)), "event-id")
		if err != nil {
			t.Fatal(err)
		}
		out, err := lambdaHTTP{h: h}.Invoke(ctx, ev)
		if err != nil {
			t.Fatalf("Invoke: %v (the invocation must not fail: that is Lambda's 502)", err)
		}
		w := httptest.NewRecorder()
		if err := lambdaurltest.WriteFunctionURLResponse(out, w); err != nil {
			t.Fatal(err)
		}
		checkInternal(t, w.Code, w.Header(), w.Body.Bytes(), "lambda-req-1")
		checkPanicLogged(t, &log, "lambda-req-1", "metrics sink broke")
	})

	t.Run("FC HTTP trigger", func(t *testing.T) {
		var log bytes.Buffer
		ctx := fccontext.NewContext(withPanicLog(context.Background(), &log), &fccontext.FcContext{RequestID: "1-fc-req"})
		ev, err := fcruntimetest.HTTPEvent(httptest.NewRequest("POST", "/login", strings.NewReader(`{}`)), "event-id")
		if err != nil {
			t.Fatal(err)
		}
		res, err := fcHTTP(h)(ctx, ev)
		if err != nil {
			t.Fatalf("invoke: %v", err)
		}
		var resp events.HTTPTriggerResponse
		if err := json.Unmarshal(res.(json.RawMessage), &resp); err != nil {
			t.Fatal(err)
		}
		header := http.Header{}
		for k, v := range resp.Headers {
			header.Set(k, v)
		}
		checkInternal(t, resp.StatusCode, header, []byte(resp.Body), "1-fc-req")
		checkPanicLogged(t, &log, "1-fc-req", "metrics sink broke")
	})
}

// A panicking event handler fails the invocation (so the platform may
// retry it) instead of ending the process, logged once.
func TestPanicInEventHandlerFails(t *testing.T) {
	ev := EventHandlerFunc(func(context.Context, []byte) ([]byte, error) { panic("mailer bug") })

	t.Run("Lambda", func(t *testing.T) {
		var log bytes.Buffer
		ctx := lambdacontext.NewContext(withPanicLog(context.Background(), &log), &lambdacontext.LambdaContext{AwsRequestID: "lambda-ev-1"})
		out, err := lambdaEvents{h: ev}.Invoke(ctx, []byte(`{}`))
		if !errors.Is(err, errPanicked) || out != nil {
			t.Fatalf("Invoke = %s, %v; want errPanicked", out, err)
		}
		checkPanicLogged(t, &log, "lambda-ev-1", "mailer bug")
	})
	t.Run("FC go1", func(t *testing.T) {
		var log bytes.Buffer
		ctx := fccontext.NewContext(withPanicLog(context.Background(), &log), &fccontext.FcContext{RequestID: "1-fc-ev"})
		out, err := fcEvents(ev)(ctx, []byte(`{}`))
		if !errors.Is(err, errPanicked) || out != nil {
			t.Fatalf("invoke = %v, %v; want errPanicked", out, err)
		}
		checkPanicLogged(t, &log, "1-fc-ev", "mailer bug")
	})
	t.Run("FC custom runtime", func(t *testing.T) {
		var log bytes.Buffer
		r := httptest.NewRequest("POST", "/invoke", strings.NewReader(`{}`))
		r.Header.Set("X-Fc-Request-Id", "1-custom-ev")
		w := httptest.NewRecorder()
		plainEvents(ev, true).ServeHTTP(w, r.WithContext(withPanicLog(r.Context(), &log)))
		if w.Code != 404 || w.Header().Get(fcruntimetest.HeaderStatus) != "404" {
			t.Fatalf("answer %d x-fc-status %q, want 404 and 404 (failed)", w.Code, w.Header().Get(fcruntimetest.HeaderStatus))
		}
		checkPanicLogged(t, &log, "1-custom-ev", "mailer bug")
	})
}

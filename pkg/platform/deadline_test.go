//go:build !no_lambda && !no_dynamodb && !no_fc && !lambda.norpc

package platform

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

// deadlineIn fails t unless ctx has a deadline d from now, give or take
// 100 ms.
func TestAnswerTime(t *testing.T) {
	tests := []struct {
		name string
		left time.Duration // of the invocation; 0 for no deadline
		want time.Duration
	}{
		{"ten seconds", 10 * time.Second, 9 * time.Second},
		{"a second", time.Second, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, cancel := context.WithTimeout(context.Background(), tt.left)
			defer cancel()
			ctx, cancel := withAnswerTime(inv)
			defer cancel()
			deadlineIn(t, ctx, tt.want)
		})
	}
	ctx, cancel := withAnswerTime(context.Background())
	defer cancel()
	if _, ok := ctx.Deadline(); ok {
		t.Fatal("a context without a deadline got one")
	}
}

func TestFCAnswerTime(t *testing.T) {
	fcc := &fccontext.FcContext{Function: fccontext.Function{Timeout: 10}}
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want time.Duration
	}{
		{"the invocation's deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(fccontext.NewContext(context.Background(), fcc), 5*time.Second)
		}, 4 * time.Second},
		{"no deadline: the function's timeout", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(fccontext.NewContext(context.Background(), fcc))
		}, 9 * time.Second},
		{"a deadline already past: the function's timeout", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(fccontext.NewContext(context.Background(), fcc), time.Unix(0, 0))
		}, 9 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, cancel := tt.ctx()
			defer cancel()
			ctx, cancel := withFCAnswerTime(inv)
			defer cancel()
			deadlineIn(t, ctx, tt.want)
		})
	}
}

// The handler of each platform sees the deadline, less the margin.
func TestHandlersSeeDeadline(t *testing.T) {
	var got context.Context
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Context() })
	ev := EventHandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) { got = ctx; return nil, nil })
	inv, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := []byte(`{"rawPath":"/","requestContext":{"http":{"method":"GET"}}}`)
	trigger := []byte(`{"rawPath":"/","requestContext":{"http":{"method":"GET"}}}`)
	tests := []struct {
		name string
		run  func()
		want time.Duration
	}{
		{"Lambda function URL", func() { lambdaHTTP{h: h}.Invoke(inv, url) }, 9 * time.Second},
		{"Lambda event", func() { lambdaEvents{h: ev}.Invoke(inv, []byte(`{}`)) }, 9 * time.Second},
		{"FC HTTP trigger", func() { fcHTTP(h)(inv, trigger) }, 9 * time.Second},
		{"FC event", func() { fcEvents(ev)(inv, []byte(`{}`)) }, 9 * time.Second},
		{"plain HTTP", func() { plainHTTP(h, false).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) },
			writeTimeout - answerMargin},
		{"plain event", func() {
			plainEvents(ev, false).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/invoke", nil))
		}, writeTimeout - answerMargin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			tt.run()
			if got == nil {
				t.Fatal("handler not called")
			}
			deadlineIn(t, got, tt.want)
		})
	}
}

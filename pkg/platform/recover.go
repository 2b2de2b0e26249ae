package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/todofn/todofn/pkg/wire"
)

// A panic that escapes the handler would end more than one request. The
// API's own recovering middleware sits inside the wrappers Run adds (the
// metrics line, the traffic recorder), and an event handler (the mailer)
// has none. Unrecovered:
//
//   - aws-lambda-go (v1.55.1, lambda/invoke_loop.go) reports the panic as the
//     invocation's error and then ends its invoke loop ("calling the handler
//     function resulted in a panic, the process should exit"): the client
//     gets a 502 and the next request waits for a cold start;
//   - net/http's server logs it and drops the connection: no answer at all;
//   - fc-runtime-go-sdk (v0.3.1, fc/function.go) recovers it itself, but
//     answers an HTTP trigger with FC's own error, not the envelope.
//
// So the platform recovers it at its boundary, around the handler and
// every wrapper: an HTTP request gets a 500 in the one error envelope (with
// no header the handler had set, so no half-made cookie), an event fails
// (Lambda and FC go1: an error result; FC custom runtime: x-fc-status 404),
// and the panic is logged once, as one JSON line on stderr: msg "panic",
// the request id, the panic value and the stack.

// PanicMsg is the msg of the log line of a recovered panic.
const PanicMsg = "panic"

// errPanicked is what an event invocation fails with when its handler
// panicked; its text is all the platform reports (Lambda's errorMessage).
var errPanicked = errors.New("platform: the handler panicked")

// panicLogKey holds the io.Writer logPanic writes to (tests set it with
// withPanicLog); without one, the line goes to stderr.
type panicLogKey struct{}

// logPanic writes the one log line of a recovered panic p.
func logPanic(ctx context.Context, p any) {
	w, ok := ctx.Value(panicLogKey{}).(io.Writer)
	if !ok {
		w = os.Stderr
	}
	slog.New(slog.NewJSONHandler(w, nil)).LogAttrs(ctx, slog.LevelError, PanicMsg,
		slog.String("requestId", wire.RequestID(ctx)), slog.String("panic", fmt.Sprint(p)),
		slog.String("stack", string(debug.Stack())))
}

// serveRecorded runs h on r into a recorder and returns the buffered
// answer; a panic discards what h had written and answers 500.
func serveRecorded(h http.Handler, r *http.Request) (out outbound) {
	w := newRecorder()
	defer func() {
		if p := recover(); p != nil {
			logPanic(r.Context(), p)
			out = panicAnswer(r.Context())
		}
	}()
	h.ServeHTTP(w, r)
	return w.result()
}

// panicAnswer is the 500 of a request whose handler panicked.
func panicAnswer(ctx context.Context) outbound {
	w := newRecorder()
	w.Header().Set(wire.RequestIDHeader, wire.RequestID(ctx))
	wire.WriteError(w, errPanicked) // Internal: the envelope's generic message
	return w.result()
}

// serveRecovering runs h on a live connection. A panic before anything was
// written answers 500 (the headers h had set are dropped); after, the
// answer cannot be changed, so the connection is cut as net/http cuts it
// for http.ErrAbortHandler, which itself passes through unlogged.
func serveRecovering(w http.ResponseWriter, r *http.Request, h http.Handler) {
	sw := &wire.StatusWriter{ResponseWriter: w}
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		logPanic(r.Context(), p)
		if sw.Status != 0 {
			panic(http.ErrAbortHandler)
		}
		clear(w.Header())
		w.Header().Set(wire.RequestIDHeader, wire.RequestID(r.Context()))
		wire.WriteError(w, errPanicked)
	}()
	h.ServeHTTP(sw, r)
}

// handleRecovering runs an event handler; a panic fails the invocation
// with errPanicked.
func handleRecovering(ctx context.Context, h EventHandler, payload []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			logPanic(ctx, p)
			out, err = nil, errPanicked
		}
	}()
	return h.HandleEvent(ctx, payload)
}

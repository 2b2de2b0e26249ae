package platform

import (
	"context"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

// answerMargin is the time kept back from an invocation's deadline for the
// handler to answer: the handler's context ends that much before the
// platform would end the invocation, so a store call that runs out of time
// still gets its 503 written, instead of Lambda's or FC's own non-JSON
// timeout error (or, on the plain HTTP server, a cut connection).
const answerMargin = time.Second

// withAnswerTime gives ctx a deadline answerMargin before its own (half the
// time left, when less than two margins are); ctx without a deadline gets
// none.
func withAnswerTime(ctx context.Context) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, d.Add(-min(answerMargin, time.Until(d)/2)))
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

// withWriteDeadline gives a plain HTTP request's context a deadline
// answerMargin before the server's write timeout, after which its answer
// could no longer be written.
func withWriteDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, writeTimeout-answerMargin)
}

package platform

import (
	"context"
	"net/http"
	"strconv"
	"time"
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

// withWriteDeadline gives a plain HTTP request's context a deadline
// answerMargin before the server's write timeout, after which its answer
// could no longer be written.
func withWriteDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, writeTimeout-answerMargin)
}

// maxFunctionTimeout bounds what x-fc-function-timeout may ask for: FC 3.0
// allows at most 86400 s (24 h) for a function's timeout.
const maxFunctionTimeout = 86400

// withCustomRuntimeDeadline gives a request on FC's custom runtime a
// deadline answerMargin before the function's timeout, counted from the
// request's arrival, when that is earlier than ctx's own (the write
// deadline); cancel is ctx's cancel, called by the returned one.
//
// FC tells a custom runtime's server the function's timeout, in seconds, in
// each request's x-fc-function-timeout header: the fc3 component's `s local
// invoke` sends it as FC does (devsapp/fc3
// src/subCommands/local/impl/invoke/baseLocalInvoke.ts,
// customContainerLocalInvoke.ts), and requests to deployed HTTP functions
// carry it ("X-Fc-Function-Timeout": "3" beside "X-Fc-Control-Path":
// "/http-invoke"). FC 3.0's table of common request headers ("Context and
// log format", https://www.alibabacloud.com/help/en/functioncompute/fc/context-and-log-format-1)
// does not list it, and there is no environment variable for the timeout,
// so a request without a valid header keeps the write deadline alone.
// FC counts the timeout from when it starts the invocation, a little before
// the request arrives: answerMargin covers that.
func withCustomRuntimeDeadline(ctx context.Context, cancel context.CancelFunc, r *http.Request) (context.Context, context.CancelFunc) {
	s, err := strconv.Atoi(r.Header.Get("X-Fc-Function-Timeout"))
	if err != nil || s <= 0 || s > maxFunctionTimeout {
		return ctx, cancel
	}
	d := time.Now().Add(time.Duration(s) * time.Second)
	d = d.Add(-min(answerMargin, time.Until(d)/2))
	if cur, ok := ctx.Deadline(); ok && !d.Before(cur) {
		return ctx, cancel
	}
	dctx, dcancel := context.WithDeadline(ctx, d)
	return dctx, func() { dcancel(); cancel() }
}

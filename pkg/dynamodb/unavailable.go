package dynamodb

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/todofn/todofn/pkg/todo"
)

// Defaults of Config.CallTimeout and Config.AttemptTimeout.
const (
	DefaultCallTimeout    = 5 * time.Second
	DefaultAttemptTimeout = 2 * time.Second
)

// Retries of one call: at most maxAttempts HTTP attempts, at most
// maxBackoff apart (the SDK's default for throttling is a second and more),
// without the SDK's client-wide retry quota, which under a long outage
// would fail calls with an error of its own instead of the service's.
const (
	maxAttempts = 3
	maxBackoff  = 500 * time.Millisecond
)

// retryAfter is the Retry-After, in seconds, of an Unavailable answer.
const retryAfter = 1

// transientCodes are the API error codes of a DynamoDB that is throttling
// or failing for the moment: worth a retry by the client a moment later.
var transientCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"LimitExceededException":                 true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"RequestTimeout":                         true,
	"RequestTimeoutException":                true,
}

// budgets returns cfg's call and attempt timeouts, zero (or negative)
// values replaced by the defaults; an attempt never gets more time than the
// whole call.
func budgets(cfg Config) (call, attempt time.Duration) {
	call = cmp.Or(max(cfg.CallTimeout, 0), DefaultCallTimeout)
	return call, min(cmp.Or(max(cfg.AttemptTimeout, 0), DefaultAttemptTimeout), call)
}

// withBudgets sets the client's HTTP attempt timeout, its retryer and the
// middleware that bounds each call and classifies its error.
func withBudgets(opts *ddb.Options, cfg Config) {
	call, attempt := budgets(cfg)
	opts.HTTPClient = awshttp.NewBuildableClient().WithTimeout(attempt)
	opts.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
	})
	opts.APIOptions = append(opts.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(callBudget(call), middleware.Before)
	})
}

// callBudget runs each operation, its retries included, under a deadline
// of at most timeout (sooner if the caller's context ends sooner) and
// turns its error into what the store's callers see (see classify).
func callBudget(timeout time.Duration) middleware.InitializeMiddleware {
	return middleware.InitializeMiddlewareFunc("todofnCallBudget", func(ctx context.Context, in middleware.InitializeInput,
		next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		out, md, err := next.HandleInitialize(ctx, in)
		if err != nil && (transient(err) || ctx.Err() != nil) {
			err = unavailable(err)
		}
		return out, md, err
	})
}

// unavailable is the store's busy outcome (todo.Busy) with this engine's
// Retry-After.
func unavailable(cause error) error { return todo.Busy(retryAfter, cause) }

// transient reports whether err, from an SDK call, means DynamoDB could
// not answer for now: throttling, a server-side failure (5xx), a timeout,
// an ended context, or a connection that could not be made or broke (a
// refused dial, a reset, a response cut short). Everything else (a failed
// condition, a validation error, a missing table) is not.
func transient(err error) bool {
	var api smithy.APIError
	var resp *smithyhttp.ResponseError
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &resp) && (resp.HTTPStatusCode() >= 500 || resp.HTTPStatusCode() == 429):
		return true
	case errors.As(err, &api):
		return transientCodes[api.ErrorCode()]
	case errors.As(err, &send), errors.As(err, &netErr):
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

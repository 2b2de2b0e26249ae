package tablestore

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

// Defaults of Config.CallTimeout and Config.AttemptTimeout.
const (
	DefaultCallTimeout    = 5 * time.Second
	DefaultAttemptTimeout = 2 * time.Second
)

// The SDK's retries: at most retryTimes more attempts, started no later
// than its MaxRetryTime after the first, each after a pause of at most
// sdkMaxPause (the SDK's MaxRetryInterval, 320 ms).
const (
	retryTimes  = 2
	sdkMaxPause = time.Duration(ots.MaxRetryInterval) * time.Millisecond
)

// retryAfter is the Retry-After, in seconds, of an Unavailable answer.
const retryAfter = 1

// budgets returns cfg's call and attempt timeouts, zero (or negative)
// values replaced by the defaults; an attempt never gets more time than the
// whole call.
func budgets(cfg Config) (call, attempt time.Duration) {
	call = cmp.Or(max(cfg.CallTimeout, 0), DefaultCallTimeout)
	return call, min(cmp.Or(max(cfg.AttemptTimeout, 0), DefaultAttemptTimeout), call)
}

// clientConfig bounds the SDK, which takes no context, so that one call,
// retries included, ends within the call budget on its own: an attempt
// (connecting included) lasts at most attempt, and the last one starts by
// call-attempt-pause after the first.
func clientConfig(call, attempt time.Duration) *ots.TableStoreConfig {
	conf := ots.NewDefaultTableStoreConfig()
	conf.HTTPTimeout = ots.HTTPTimeout{ConnectionTimeout: attempt, RequestTimeout: attempt}
	conf.RetryTimes = retryTimes
	conf.MaxRetryTime = max(call-attempt-sdkMaxPause, 0)
	conf.MaxIdleConnections = 16
	return conf
}

// call runs one SDK call under the budget: when ctx ends first, or the
// budget passes, the caller gets Unavailable at once while the SDK call,
// bounded by clientConfig, finishes on its own (a write may still land).
// Its error is classified (see transient); other errors come back as the
// SDK returned them.
func call[T any](ctx context.Context, budget time.Duration, fn func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, unavailable(err)
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && transient(r.err) {
			return zero, unavailable(r.err)
		}
		return r.v, r.err
	case <-ctx.Done():
		return zero, unavailable(ctx.Err())
	}
}

// unavailable is the store's busy outcome (todo.Busy) with this engine's
// Retry-After.
func unavailable(cause error) error { return todo.Busy(retryAfter, cause) }

// transientCodes are the service's error codes for a Tablestore that is
// throttling or failing for the moment. OTSFlowControl ("The requests have
// been throttled", HTTP 429: an instance over its VCU limit or a
// partition's throttle; https://developer.aliyun.com/ask/454942 shows the
// status, the FAQ "OTSFlowControl The requests have been throttled" the
// cause) and OTSOperationThrottled are throttling too, and the SDK does not
// resend them (retryNotMatterActions in tablestore/api.go lists neither).
var transientCodes = map[string]bool{
	"OTSFlowControl":           true,
	"OTSOperationThrottled":    true,
	"OTSServerBusy":            true,
	"OTSStorageServerBusy":     true,
	"OTSQuotaExhausted":        true,
	"OTSCapacityUnitExhausted": true,
	"OTSNotEnoughCapacityUnit": true,
	"OTSTimeout":               true,
	"OTSRequestTimeout":        true,
	"OTSServerUnavailable":     true,
	"OTSPartitionUnavailable":  true,
	"OTSInternalServerError":   true,
	"OTSRowOperationConflict":  true,
	"OTSTableNotReady":         true,
}

// transient reports whether err, from an SDK call, means Tablestore could
// not answer for now: one of transientCodes, any 5xx or 429, a timeout, or a
// connection that could not be made or broke (a refused dial, a reset, a
// response cut short). A failed condition, an invalid request or a missing
// table is not.
func transient(err error) bool {
	var otsErr *ots.OtsError
	var netErr net.Error
	switch {
	case errors.As(err, &otsErr):
		return transientCodes[otsErr.Code] || otsErr.HttpStatusCode >= 500 || otsErr.HttpStatusCode == 429
	case errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	// The SDK flattens a response body it could not decode into a string.
	return strings.HasPrefix(err.Error(), "decode resp failed")
}

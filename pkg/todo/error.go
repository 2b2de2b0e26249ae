package todo

import (
	"errors"
	"fmt"
)

// Error codes. They are part of the public API: clients read them from
// {"error":{"code":...}}, and package api maps each to one HTTP status.
const (
	Invalid              = "invalid_request"        // malformed request: bad JSON, unknown field, bad query
	ValidationFailed     = "validation_failed"      // a well-formed request with an unacceptable value
	InvalidCursor        = "invalid_cursor"         // a paging cursor that was altered or belongs elsewhere
	UnsupportedMedia     = "unsupported_media_type" // body is not JSON
	TooLarge             = "payload_too_large"      // body over the limit
	MethodNotAllowed     = "method_not_allowed"
	NotFound             = "not_found"
	Unauthorized         = "unauthorized" // missing or invalid bearer token
	InvalidCredentials   = "invalid_credentials"
	EmailNotVerified     = "email_not_verified"
	InvalidCode          = "invalid_code"
	RateLimited          = "rate_limited"
	Conflict             = "conflict"
	PreconditionFailed   = "precondition_failed" // If-Match named a version the todo no longer has
	QuotaExceeded        = "quota_exceeded"      // the owner has as many todos as the quota allows
	IdempotencyKeyReused = "idempotency_key_reused"
	Unavailable          = "unavailable" // a dependency is down, slow or saturated: retry after Retry-After
	Internal             = "internal"
)

// Error is the one error type the domain speaks. Adapters translate their own
// failures into it at their edge; anything else is an internal error.
type Error struct {
	Code    string // one of the codes above
	Message string // a sentence safe to show to the client
	Field   string // the request field at fault, if any
	// RetryAfter is set with RateLimited and Unavailable: seconds until a
	// retry may succeed.
	RetryAfter int
	// Current is set with PreconditionFailed: the todo as it is now, which
	// the answer carries so the client can show the other change.
	Current *Todo
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("todo: %s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("todo: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns a ValidationFailed error naming the field.
func FieldError(field, message string) *Error {
	return &Error{Code: ValidationFailed, Field: field, Message: message}
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic sentence for any other error, so internals never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

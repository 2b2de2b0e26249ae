// Package wire holds the facts of the HTTP wire that every layer shares: the
// error envelope {"error":{"code","message","field"}} and the one table from
// error codes to statuses, request IDs, and a response writer that records
// its status. The API, the platform layer and the dev tools all write through
// it, so an error looks the same whoever answers.
//
// It imports only the standard library and the domain package.
package wire

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/todofn/todofn/pkg/todo"
)

// codes is the one table of error codes and their statuses, in the order
// the README lists them. The web app's messages are keyed by these codes
// (web/routes.js is generated from this table by cmd/routes).
var codes = []struct {
	code   string
	status int
}{
	{todo.Invalid, http.StatusBadRequest},
	{todo.ValidationFailed, http.StatusUnprocessableEntity},
	{todo.InvalidCursor, http.StatusBadRequest},
	{todo.UnsupportedMedia, http.StatusUnsupportedMediaType},
	{todo.TooLarge, http.StatusRequestEntityTooLarge},
	{todo.MethodNotAllowed, http.StatusMethodNotAllowed},
	{todo.NotFound, http.StatusNotFound},
	{todo.Unauthorized, http.StatusUnauthorized},
	{todo.InvalidCredentials, http.StatusUnauthorized},
	{todo.EmailNotVerified, http.StatusForbidden},
	{todo.InvalidCode, http.StatusBadRequest},
	{todo.RateLimited, http.StatusTooManyRequests},
	{todo.Conflict, http.StatusConflict},
	{todo.PreconditionFailed, http.StatusPreconditionFailed},
	{todo.QuotaExceeded, http.StatusConflict},
	{todo.IdempotencyKeyReused, http.StatusUnprocessableEntity},
	{todo.Unavailable, http.StatusServiceUnavailable},
	{todo.Internal, http.StatusInternalServerError},
}

// Codes returns every error code the API answers with, in table order.
func Codes() []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c.code
	}
	return out
}

// Status returns the HTTP status of an error code, and false for a code
// that is not in the table.
func Status(code string) (int, bool) {
	for _, c := range codes {
		if c.code == code {
			return c.status, true
		}
	}
	return 0, false
}

// Body is the error envelope. Todo is set only beside precondition_failed:
// the todo as it is now (in the API's todo shape), so a client whose
// If-Match was stale can show the other change without another read.
type Body struct {
	Error Detail `json:"error"`
	Todo  any    `json:"todo,omitempty"`
}

// Detail is the inside of the envelope.
type Detail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Envelope returns err as the envelope and its status. A *todo.Error keeps
// its code, message and field; a code outside the table, and any other
// error, becomes Internal with a generic message, so a cause never reaches a
// client.
func Envelope(err error) (Body, int) {
	code := todo.ErrorCode(err)
	status, ok := Status(code)
	if !ok || code == todo.Internal {
		return Body{Error: Detail{Code: todo.Internal, Message: todo.ErrorMessage(errors.New(""))}}, http.StatusInternalServerError
	}
	b := Body{Error: Detail{Code: code, Message: todo.ErrorMessage(err)}}
	var e *todo.Error
	if errors.As(err, &e) {
		b.Error.Field = e.Field
	}
	return b, status
}

// Marshal returns the envelope of code and message as JSON.
func Marshal(code, message string) []byte {
	b, _ := json.Marshal(Body{Error: Detail{Code: code, Message: message}}) // strings only: cannot fail
	return b
}

// WriteError writes err as the envelope with its status, Retry-After when
// the error carries one and WWW-Authenticate on Unauthorized. It returns the
// code written; the caller logs the cause when it is Internal.
func WriteError(w http.ResponseWriter, err error) string {
	return WriteErrorWith(w, err, nil)
}

// WriteErrorWith is WriteError with the envelope's Todo set to current
// (nil leaves it out).
func WriteErrorWith(w http.ResponseWriter, err error, current any) string {
	body, status := Envelope(err)
	body.Todo = current
	var e *todo.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if body.Error.Code == todo.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="todofn", error="invalid_token"`)
	}
	WriteJSON(w, status, body)
	return body.Error.Code
}

// Error writes the envelope of code and message as they are, with code's
// status (500 for a code outside the table). It is for layers that answer
// before or around a handler (a malformed platform event, a dev tool's
// routing), whose messages are their own sentences, never a cause.
func Error(w http.ResponseWriter, code, message string) {
	status, ok := Status(code)
	if !ok {
		status = http.StatusInternalServerError
	}
	WriteJSON(w, status, Body{Error: Detail{Code: code, Message: message}})
}

// WriteJSON writes v as a JSON response body with status and no caching.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

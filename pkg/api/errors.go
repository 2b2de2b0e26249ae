package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/todofn/todofn/pkg/todo"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	todo.Invalid:              http.StatusBadRequest,
	todo.InvalidCursor:        http.StatusBadRequest,
	todo.InvalidCode:          http.StatusBadRequest,
	todo.ValidationFailed:     http.StatusUnprocessableEntity,
	todo.IdempotencyKeyReused: http.StatusUnprocessableEntity,
	todo.Unauthorized:         http.StatusUnauthorized,
	todo.InvalidCredentials:   http.StatusUnauthorized,
	todo.EmailNotVerified:     http.StatusForbidden,
	todo.NotFound:             http.StatusNotFound,
	todo.MethodNotAllowed:     http.StatusMethodNotAllowed,
	todo.Conflict:             http.StatusConflict,
	todo.TooLarge:             http.StatusRequestEntityTooLarge,
	todo.UnsupportedMedia:     http.StatusUnsupportedMediaType,
	todo.RateLimited:          http.StatusTooManyRequests,
	todo.Internal:             http.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError is the only writer of error responses. Internal errors are
// logged with the request ID and shown to the client as a generic sentence.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := todo.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = todo.Internal, http.StatusInternalServerError
	}
	body := errorBody{Error: errorDetail{Code: code, Message: todo.ErrorMessage(err)}}
	var e *todo.Error
	if errors.As(err, &e) {
		body.Error.Field = e.Field
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
	}
	switch code {
	case todo.Unauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="todofn", error="invalid_token"`)
	case todo.Internal:
		body.Error.Message = todo.ErrorMessage(errors.New("")) // never the cause
		s.logInternal(r, err)
	}
	writeJSON(w, status, body)
}

// logInternal logs an internal error with the request ID: the one place the
// cause of a 500 is recorded.
func (s *Server) logInternal(r *http.Request, err error) {
	s.log().LogAttrs(r.Context(), slog.LevelError, "internal error",
		slog.String("request_id", todo.RequestID(r.Context())), slog.String("error", err.Error()))
}

package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/todofn/todofn/pkg/todo"
)

// TokenVerifier checks a bearer token and returns what it says (the user
// and session IDs), or a todo.Unauthorized error.
type TokenVerifier interface {
	Verify(token string) (todo.TokenClaims, error)
}

// SessionChecker finds a live session: todo.SessionStore's Session, a
// strongly consistent read, NotFound for a session that ended (log-out,
// reset, change, deletion, reuse) or expired.
type SessionChecker interface {
	Session(ctx context.Context, userID, id string) (*todo.Session, error)
}

// liveSessions is a SessionChecker that can also answer the check alone,
// without decoding the session (the embedded store's SessionLive): nil for
// a live session, NotFound where Session would answer NotFound.
type liveSessions interface {
	SessionLive(ctx context.Context, userID, id string) error
}

// requireUser lets a request through only with a valid bearer token whose
// session (sub, sid) still exists, and puts the user and session IDs into
// its context (todo.UserID, todo.SessionID). The session is read on every
// request, the list included (no cache: one strongly consistent read is
// cheap next to the request, and a cache would keep an ended session
// listing for its lifetime). A session that is gone is Unauthorized, so
// nothing a deleted or reset account's old tokens send can land.
// Server.Sessions nil skips the read (handler tests only).
func (s *Server) requireUser(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return todo.Errorf(todo.Unauthorized, "Log in first: send Authorization: Bearer <access token>.")
		}
		c, err := s.Tokens.Verify(token)
		if err != nil {
			return err
		}
		if s.Sessions != nil {
			if l, ok := s.Sessions.(liveSessions); ok {
				err = l.SessionLive(r.Context(), c.UserID, c.SessionID)
			} else {
				_, err = s.Sessions.Session(r.Context(), c.UserID, c.SessionID)
			}
			if todo.ErrorCode(err) == todo.NotFound {
				return todo.Errorf(todo.Unauthorized, "The session has ended; log in again.")
			}
			if err != nil {
				return err
			}
		}
		ctx := todo.WithSessionID(todo.WithUserID(r.Context(), c.UserID), c.SessionID)
		return next(w, r.WithContext(ctx))
	}
}

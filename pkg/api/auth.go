package api

import (
	"net/http"
	"strings"

	"github.com/todofn/todofn/pkg/todo"
)

// TokenVerifier checks a bearer token and returns what it says (the user
// and session IDs), or a todo.Unauthorized error.
type TokenVerifier interface {
	Verify(token string) (todo.TokenClaims, error)
}

// requireUser lets a request through only with a valid bearer token, and
// puts the user and session IDs into its context (todo.UserID,
// todo.SessionID).
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
		ctx := todo.WithSessionID(todo.WithUserID(r.Context(), c.UserID), c.SessionID)
		return next(w, r.WithContext(ctx))
	}
}

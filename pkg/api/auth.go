package api

import (
	"net/http"
	"strings"

	"github.com/todofn/todofn/pkg/todo"
)

// TokenVerifier checks a bearer token and returns its user ID, or a
// todo.Unauthorized error.
type TokenVerifier interface {
	Verify(token string) (userID string, err error)
}

// requireUser lets a request through only with a valid bearer token, and
// puts the user ID into its context (todo.UserID).
func (s *Server) requireUser(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return todo.Errorf(todo.Unauthorized, "Log in first: send Authorization: Bearer <access token>.")
		}
		uid, err := s.Tokens.Verify(token)
		if err != nil {
			return err
		}
		return next(w, r.WithContext(todo.WithUserID(r.Context(), uid)))
	}
}

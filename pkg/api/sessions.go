package api

import (
	"context"
	"net/http"

	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
)

// Refresher trades a refresh token for new tokens (package account).
type Refresher interface {
	Refresh(ctx context.Context, refreshToken string) (*todo.Tokens, error)
}

// LogoutService ends sessions (package account).
type LogoutService interface {
	Logout(ctx context.Context, userID, sessionID string, global bool) error
	LogoutToken(ctx context.Context, refreshToken string) error
}

// PasswordService resets and changes passwords (package account).
type PasswordService interface {
	ForgotPassword(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, email, code, password string) error
	ChangePassword(ctx context.Context, userID, sessionID, current, next string) error
}

// AccountDeleter removes an account (package account, with the todo
// store).
type AccountDeleter interface {
	DeleteAccount(ctx context.Context, userID, sessionID, password string) error
}

type sessionBody struct {
	AccessToken      string    `json:"accessToken"`
	TokenType        string    `json:"tokenType"`
	ExpiresIn        int       `json:"expiresIn"`
	RefreshToken     string    `json:"refreshToken"`
	RefreshExpiresIn int       `json:"refreshExpiresIn"`
	User             *userBody `json:"user,omitempty"`
}

func toSessionBody(s *todo.Tokens, withUser bool) sessionBody {
	b := sessionBody{AccessToken: s.AccessToken, TokenType: "Bearer", ExpiresIn: s.ExpiresIn,
		RefreshToken: s.RefreshToken, RefreshExpiresIn: s.RefreshExpiresIn}
	if withUser {
		b.User = &userBody{ID: s.User.ID, Email: s.User.Email, Name: s.User.Name}
	}
	return b
}

// Refresh is POST /refresh {"refreshToken"} -> 200 a new access token and
// a new refresh token; the one sent is spent.
func (s *Server) Refresh(svc Refresher) Handlers {
	return Handlers{Name: route.Refresh, handlers: map[string]handlerFunc{
		http.MethodPost: func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				RefreshToken string `json:"refreshToken"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			if in.RefreshToken == "" {
				return todo.FieldError("refreshToken", "Send the refresh token.")
			}
			sess, err := svc.Refresh(r.Context(), in.RefreshToken)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, toSessionBody(sess, false))
			return nil
		}}}
}

// Logout is POST /logout: with a bearer token {"scope":"local"|"global"}
// (local, the default, ends this session; global every session of the
// user); without one {"refreshToken"} ends that token's session. 204 either
// way.
func (s *Server) Logout(svc LogoutService) Handlers {
	return Handlers{Name: route.Logout, handlers: map[string]handlerFunc{
		http.MethodPost: func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Scope        string `json:"scope"`
				RefreshToken string `json:"refreshToken"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			var err error
			if r.Header.Get("Authorization") == "" {
				if in.RefreshToken == "" {
					return todo.Errorf(todo.Unauthorized, "Send Authorization: Bearer <access token>, or the refresh token.")
				}
				err = svc.LogoutToken(r.Context(), in.RefreshToken)
			} else {
				err = s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
					switch in.Scope {
					case "", "local", "global":
					default:
						return todo.FieldError("scope", `The scope must be "local" or "global".`)
					}
					return svc.Logout(r.Context(), todo.UserID(r.Context()), todo.SessionID(r.Context()), in.Scope == "global")
				})(w, r)
			}
			if err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}}}
}

// ForgotPassword is POST /password/forgot {"email"} -> 202
// {"status":"reset_requested"}, the same for every address.
func (s *Server) ForgotPassword(svc PasswordService) Handlers {
	return Handlers{Name: route.PasswordForgot, handlers: map[string]handlerFunc{
		http.MethodPost: func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Email string `json:"email"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			if err := svc.ForgotPassword(r.Context(), in.Email); err != nil {
				return err
			}
			writeJSON(w, http.StatusAccepted, statusBody{"reset_requested"})
			return nil
		}}}
}

// ResetPassword is POST /password/reset {"email","code","password"} -> 200
// {"status":"password_reset"}; every session of the user ends.
func (s *Server) ResetPassword(svc PasswordService) Handlers {
	return Handlers{Name: route.PasswordReset, handlers: map[string]handlerFunc{
		http.MethodPost: func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Email    string `json:"email"`
				Code     string `json:"code"`
				Password string `json:"password"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			if err := svc.ResetPassword(r.Context(), in.Email, in.Code, in.Password); err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, statusBody{"password_reset"})
			return nil
		}}}
}

// ChangePassword is POST /password (Bearer) {"currentPassword",
// "newPassword"} -> 204; every other session of the user ends.
func (s *Server) ChangePassword(svc PasswordService) Handlers {
	return Handlers{Name: route.PasswordChange, handlers: map[string]handlerFunc{
		http.MethodPost: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				CurrentPassword string `json:"currentPassword"`
				NewPassword     string `json:"newPassword"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			ctx := r.Context()
			if err := svc.ChangePassword(ctx, todo.UserID(ctx), todo.SessionID(ctx), in.CurrentPassword, in.NewPassword); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})}}
}

// DeleteAccount is DELETE /account (Bearer) {"password"} -> 204; the
// account, its todos and sessions are gone.
func (s *Server) DeleteAccount(svc AccountDeleter) Handlers {
	return Handlers{Name: route.AccountDelete, handlers: map[string]handlerFunc{
		http.MethodDelete: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Password string `json:"password"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			ctx := r.Context()
			if err := svc.DeleteAccount(ctx, todo.UserID(ctx), todo.SessionID(ctx), in.Password); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})}}
}

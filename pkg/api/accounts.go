package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/todofn/todofn/pkg/todo"
)

// Registrar signs up an address (package account's Service).
type Registrar interface {
	Register(ctx context.Context, email, password, name string) error
}

// AddressVerifier checks a mailed code (package account's Service).
type AddressVerifier interface {
	Verify(ctx context.Context, email, code string) error
}

// Authenticator checks a password and issues a token (package account's
// Service).
type Authenticator interface {
	Login(ctx context.Context, email, password string) (*todo.Session, error)
}

type statusBody struct {
	Status string `json:"status"`
}

// Register is POST /register {"email","password","name"?}: 202
// {"status":"pending_verification"} whether or not the address has an
// account.
func (s *Server) Register(svc Registrar) Function {
	return Function{Name: "register", handlers: map[string]handlerFunc{
		http.MethodPost: func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Email    string `json:"email"`
				Password string `json:"password"`
				Name     string `json:"name"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			if err := svc.Register(r.Context(), in.Email, in.Password, in.Name); err != nil {
				return err
			}
			writeJSON(w, http.StatusAccepted, statusBody{"pending_verification"})
			return nil
		}}}
}

// Verify is POST /verify {"email","code"} -> 200 {"status":"verified"},
// and GET /verify?email=&code= (the mailed link) -> 302 to AppURL +
// "#/verified" or "#/verify-failed?reason=CODE".
func (s *Server) Verify(svc AddressVerifier) Function {
	post := func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Email string `json:"email"`
			Code  string `json:"code"`
		}
		if err := decode(w, r, &in); err != nil {
			return err
		}
		if err := svc.Verify(r.Context(), in.Email, in.Code); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, statusBody{"verified"})
		return nil
	}
	get := func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		target := s.AppURL + "#/verified"
		if err := svc.Verify(r.Context(), q.Get("email"), q.Get("code")); err != nil {
			code := todo.ErrorCode(err)
			if code == todo.Internal {
				s.logInternal(r, err) // the user still gets the app's failure page
			}
			target = s.AppURL + "#/verify-failed?reason=" + url.QueryEscape(code)
		}
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, target, http.StatusFound)
		return nil
	}
	return Function{Name: "verify", handlers: map[string]handlerFunc{http.MethodPost: post, http.MethodGet: get}}
}

type userBody struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

type loginBody struct {
	AccessToken string   `json:"accessToken"`
	TokenType   string   `json:"tokenType"`
	ExpiresIn   int      `json:"expiresIn"`
	User        userBody `json:"user"`
}

// Login is POST /login {"email","password"} -> 200 with an access token.
func (s *Server) Login(svc Authenticator) Function {
	return Function{Name: "login", handlers: map[string]handlerFunc{
		http.MethodPost: func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Email    string `json:"email"`
				Password string `json:"password"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			sess, err := svc.Login(r.Context(), in.Email, in.Password)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, loginBody{AccessToken: sess.AccessToken, TokenType: "Bearer", ExpiresIn: sess.ExpiresIn,
				User: userBody{ID: sess.User.ID, Email: sess.User.Email, Name: sess.User.Name}})
			return nil
		}}}
}

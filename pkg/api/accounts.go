package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
)

// Registrar signs up an address (package account's Service).
type Registrar interface {
	Register(ctx context.Context, email, password, name string) error
}

// AddressVerifier checks a mailed code and sets the verifier's password
// (package account's Service).
type AddressVerifier interface {
	Verify(ctx context.Context, email, code, password string) error
}

// Authenticator checks a password and issues a token (package account's
// Service).
type Authenticator interface {
	Login(ctx context.Context, email, password string) (*todo.Tokens, error)
}

type statusBody struct {
	Status string `json:"status"`
}

// Register is POST /register {"email","password","name"?}: 202
// {"status":"pending_verification"} whether or not the address has an
// account.
func (s *Server) Register(svc Registrar) Handlers {
	return Handlers{Name: route.Register, handlers: map[string]handlerFunc{
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

// Verify is POST /verify: with a JSON body {"email","code","password"} it
// answers 200 {"status":"verified"}. The password is the verifier's own: the
// account is verified with it, whatever password the sign-up that sent the
// code gave (see account.Service.Verify). Sent by a plain HTML form
// (application/x-www-form-urlencoded, the page works without JavaScript) it
// answers 302 to AppURL + "#/verified" or "#/verify-failed?reason=CODE".
// GET /verify?email=&code= (the link in mails sent before links opened the
// web app) changes nothing: it answers 302 to the web app's confirm page,
// AppURL + "#/verify?email=&code=", where the person confirms with one
// click. Mail scanners and link prefetchers that follow links verify
// nothing, and neither does HEAD.
func (s *Server) Verify(svc AddressVerifier) Handlers {
	post := func(w http.ResponseWriter, r *http.Request) error {
		if isForm(r) {
			return s.verifyForm(w, r, svc)
		}
		var in struct {
			Email    string `json:"email"`
			Code     string `json:"code"`
			Password string `json:"password"`
		}
		if err := decode(w, r, &in); err != nil {
			return err
		}
		if err := svc.Verify(r.Context(), in.Email, in.Code, in.Password); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, statusBody{"verified"})
		return nil
	}
	get := func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		redirect(w, r, s.AppURL+"#/verify?"+url.Values{"email": {q.Get("email")}, "code": {q.Get("code")}}.Encode())
		return nil
	}
	return Handlers{Name: route.Verify, handlers: map[string]handlerFunc{http.MethodPost: post, http.MethodGet: get}}
}

// verifyForm is POST /verify from a plain HTML form: the answer is a page
// of the web app, the failure's code in its address.
func (s *Server) verifyForm(w http.ResponseWriter, r *http.Request, svc AddressVerifier) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return todo.Errorf(todo.Invalid, "The form could not be read.")
	}
	target := s.AppURL + "#/verified"
	if err := svc.Verify(r.Context(), r.PostForm.Get("email"), r.PostForm.Get("code"), r.PostForm.Get("password")); err != nil {
		code := todo.ErrorCode(err)
		if code == todo.Internal {
			s.logInternal(r, err) // the person still gets the app's failure page
		}
		target = s.AppURL + "#/verify-failed?reason=" + url.QueryEscape(code)
	}
	redirect(w, r, target)
	return nil
}

// redirect answers 302 to target, sending no Referer on (the address may
// carry a code).
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, target, http.StatusFound)
}

type userBody struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Login is POST /login {"email","password"} -> 200 with an access token, a
// refresh token and the user.
func (s *Server) Login(svc Authenticator) Handlers {
	return Handlers{Name: route.Login, handlers: map[string]handlerFunc{
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
			writeJSON(w, http.StatusOK, toSessionBody(sess, true))
			return nil
		}}}
}

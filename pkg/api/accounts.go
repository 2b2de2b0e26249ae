package api

import (
	"net/http"
	"net/url"

	"github.com/todofn/todofn/pkg/todo"
)

type statusBody struct {
	Status string `json:"status"`
}

// Register is POST /register {"email","password","name"?}: 202
// {"status":"pending_verification"} whether or not the address has an
// account.
func (s *Server) Register() Route {
	return Route{Function: "register", Method: http.MethodPost, Pattern: "/register",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Email    string `json:"email"`
				Password string `json:"password"`
				Name     string `json:"name"`
			}
			if err := decode(w, r, &in); err != nil {
				s.writeError(w, r, err)
				return
			}
			if err := s.Accounts.Register(r.Context(), in.Email, in.Password, in.Name); err != nil {
				s.writeError(w, r, err)
				return
			}
			writeJSON(w, http.StatusAccepted, statusBody{"pending_verification"})
		})}
}

// Verify is POST /verify {"email","code"} -> 200 {"status":"verified"},
// and GET /verify?email=&code= (the mailed link) -> 302 to AppURL +
// "#/verified" or "#/verify-failed?reason=CODE".
func (s *Server) Verify() []Route {
	post := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Email string `json:"email"`
			Code  string `json:"code"`
		}
		if err := decode(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.Accounts.Verify(r.Context(), in.Email, in.Code); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, statusBody{"verified"})
	})
	get := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		target := s.AppURL + "#/verified"
		if err := s.Accounts.Verify(r.Context(), q.Get("email"), q.Get("code")); err != nil {
			code := todo.ErrorCode(err)
			if code == todo.Internal {
				s.logInternal(r, err) // the user still gets the app's failure page
			}
			target = s.AppURL + "#/verify-failed?reason=" + url.QueryEscape(code)
		}
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, target, http.StatusFound)
	})
	return []Route{
		{Function: "verify", Method: http.MethodPost, Pattern: "/verify", Handler: post},
		{Function: "verify", Method: http.MethodGet, Pattern: "/verify", Handler: get},
	}
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
func (s *Server) Login() Route {
	return Route{Function: "login", Method: http.MethodPost, Pattern: "/login",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Email    string `json:"email"`
				Password string `json:"password"`
			}
			if err := decode(w, r, &in); err != nil {
				s.writeError(w, r, err)
				return
			}
			sess, err := s.Accounts.Login(r.Context(), in.Email, in.Password)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, loginBody{AccessToken: sess.AccessToken, TokenType: "Bearer", ExpiresIn: sess.ExpiresIn,
				User: userBody{ID: sess.User.ID, Email: sess.User.Email, Name: sess.User.Name}})
		})}
}

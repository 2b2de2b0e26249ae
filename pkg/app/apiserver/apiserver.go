// Package apiserver builds the HTTP API's shared server (CORS, token
// checks, paging cursors, the access log) from the App, for every HTTP
// function.
package apiserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/start"
	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/metrics"
	"github.com/todofn/todofn/pkg/platform"
	"github.com/todofn/todofn/pkg/record"
	"github.com/todofn/todofn/pkg/route"
)

// New returns the api.Server for a's configuration: it verifies access
// tokens with JWT_PUBLIC_KEYS (and JWT_SIGNING_KEYS' public halves) and
// finds each token's session in the store (SESSIONS_TABLE), seals cursors with APP_SECRET, reads client IPs
// through TRUSTED_PROXIES and, unless RATE_LIMITS=off, keeps the per-IP
// budgets of sign-up and verify.
func New(a *app.App) (*api.Server, error) {
	verifier, err := Verifier(a)
	if err != nil {
		return nil, err
	}
	c := a.Config
	srv := &api.Server{Tokens: verifier, Sessions: a.Store, Cursors: api.NewCursors(a.Secret()),
		AppURL: c.AppURL, AllowedOrigins: c.AllowedOrigins, Log: a.Log, TrustedProxies: c.TrustedProxies}
	if c.Limits.PerIP {
		srv.Limiter = &limit.Limiter{Store: a.Store}
		srv.PerIP = map[string]limit.Budget{route.Register: c.Limits.IPSignups, route.Verify: c.Limits.IPVerifies,
			route.PasswordForgot: c.Limits.IPSignups, route.PasswordReset: c.Limits.IPVerifies, route.Refresh: c.Limits.IPRefreshes}
	}
	return srv, nil
}

// Verifier returns the access-token verifier for a's JWT settings: ES256
// with the public keys of JWT_PUBLIC_KEYS and of JWT_SIGNING_KEYS.
func Verifier(a *app.App) (*auth.Verifier, error) {
	c := a.Config
	keys, err := c.JWTVerifying()
	if err != nil {
		return nil, err
	}
	return auth.NewVerifier(auth.VerifierConfig{Keys: keys, Issuer: c.Tokens.Issuer, Audience: c.Tokens.Audience})
}

// Issuer returns the access-token issuer for a's JWT settings: the first
// key of JWT_SIGNING_KEYS signs, for JWT_TTL. It fails when
// JWT_SIGNING_KEYS is empty, as it is in every function but login and
// refresh.
func Issuer(a *app.App) (*auth.Issuer, error) {
	c := a.Config
	keys, err := c.JWTSigning()
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("apiserver: JWT_SIGNING_KEYS is empty: this function cannot issue access tokens")
	}
	return auth.NewIssuer(auth.IssuerConfig{Keys: keys, Issuer: c.Tokens.Issuer, Audience: c.Tokens.Audience, TTL: c.Tokens.TTL})
}

// Wrap adds the middleware the configuration asks for around an HTTP
// function's handler h: the traffic recorder (TRAFFIC_SAMPLE above 0, keyed
// by APP_SECRET; lines to stderr) inside, and outside it, on Lambda and FC
// as platform.Detect sees them in env, one deploy metrics line per request
// to stdout (EMF on Lambda). A plain HTTP server gets no metrics.
func Wrap(a *app.App, env func(string) string, h http.Handler) http.Handler {
	return wrap(a, env, h, os.Stdout, os.Stderr)
}

func wrap(a *app.App, env func(string) string, h http.Handler, stdout, stderr io.Writer) http.Handler {
	h = record.Traffic(h, a.Config.TrafficSample, a.Secret(), stderr)
	format := metrics.Off
	switch platform.Detect(env) {
	case platform.Lambda:
		format = metrics.EMF
	case platform.FC, platform.FCCustom:
		format = metrics.FCLog
	}
	c := metrics.ConfigFromEnv(env, format, stdout)
	c.FCInvocation = platform.FCInvocation
	return metrics.Requests(h, c)
}

// Part builds an HTTP function's handlers from the App and the shared
// api.Server: a main's one line of wiring, such as
// s.AddTodo(todos.New(a)).
type Part func(a *app.App, s *api.Server) (api.Handlers, error)

// Start runs the HTTP function name: it opens the App from the process
// environment, builds the function with part (Handler) and runs it on the
// platform. A failure before the first request (settings, keys, a part
// whose function is not name) is one line "<name>: <reason>" and exit
// status 1 (package start).
func Start(name string, part Part) {
	a := start.Open(name)
	h, err := Handler(a, os.Getenv, name, part)
	start.Check(name, err)
	platform.Start(h)
}

// Handler is Start's testable part: the api.Server for a (New), the
// function part builds, mounted by the route table (api.Server.Mount) and
// wrapped in the middleware the configuration asks for (Wrap, reading the
// platform from env). It fails when part fails or builds a function other
// than name, or when Mount refuses the function.
func Handler(a *app.App, env func(string) string, name string, part Part) (http.Handler, error) {
	srv, err := New(a)
	if err != nil {
		return nil, err
	}
	fn, err := part(a, srv)
	if err != nil {
		return nil, err
	}
	if fn.Name != name {
		return nil, fmt.Errorf("apiserver: function %q builds the handlers of %q", name, fn.Name)
	}
	h, err := srv.Mount(fn)
	if err != nil {
		return nil, err
	}
	return Wrap(a, env, h), nil
}

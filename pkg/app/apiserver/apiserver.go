// Package apiserver builds the HTTP API's shared server (CORS, token
// checks, paging cursors, the one line per request) from the App, for
// every HTTP function.
package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
// budgets of sign-up and verify. Each request's line is a plain server's
// access line (RequestLog); Handler puts the cloud's in its place.
func New(a *app.App) (*api.Server, error) {
	verifier, err := Verifier(a)
	if err != nil {
		return nil, err
	}
	c := a.Config
	srv := &api.Server{Tokens: verifier, Sessions: a.Store, Cursors: api.NewCursors(a.Secret()),
		AppURL: c.AppURL, AllowedOrigins: c.AllowedOrigins, Log: a.Log, TrustedProxies: c.TrustedProxies}
	if l := RequestLog(a, noPlatform, nil); l != nil {
		srv.Requests = l
	}
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

// noPlatform is the environment of a plain HTTP server, for RequestLog.
func noPlatform(string) string { return "" }

// RequestLog is the writer of each request's one line (package metrics)
// on the platform platform.Detect sees in env: on Lambda the EMF line and
// on FC the Log Service line, to stdout, at every LOG_LEVEL, since the
// deploy metrics, the canary alarms and the gray window are made from it;
// on a plain HTTP server the access line, in LOG_FORMAT, where a.Log
// writes (in batches when that is a file, such as stderr), and none (nil)
// when LOG_LEVEL is above info. stdout nil is os.Stdout.
func RequestLog(a *app.App, env func(string) string, stdout io.Writer) *metrics.Log {
	if stdout == nil {
		stdout = os.Stdout
	}
	c := metrics.ConfigFromEnv(env, metrics.Off, stdout)
	c.FCInvocation = platform.FCInvocation
	switch platform.Detect(env) {
	case platform.Lambda:
		c.Format = metrics.EMF
	case platform.FC, platform.FCCustom:
		c.Format = metrics.FCLog
	default:
		if !a.Log.Enabled(context.Background(), slog.LevelInfo) {
			return nil
		}
		c.Format, c.Out = metrics.JSON, a.LogWriter()
		if a.Config.LogFormat == "text" {
			c.Format = metrics.Text
		}
		// Batched where a write is a system call (a terminal or a pipe):
		// see package metrics' batch.go.
		_, c.Batch = c.Out.(*os.File)
	}
	return metrics.New(c)
}

// Wrap adds the middleware the configuration asks for around an HTTP
// function's handler h: the traffic recorder (TRAFFIC_SAMPLE above 0, keyed
// by APP_SECRET; lines to stderr). Each request's line is not written here
// but by the api.Server (RequestLog), which knows its route.
func Wrap(a *app.App, h http.Handler) http.Handler {
	return wrap(a, h, os.Stderr)
}

func wrap(a *app.App, h http.Handler, stderr io.Writer) http.Handler {
	return record.Traffic(h, a.Config.TrafficSample, a.Secret(), stderr)
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

// Handler is Start's testable part: the api.Server for a (New) writing
// each request's line for the platform env names (RequestLog), the
// function part builds, mounted by the route table (api.Server.Mount) and
// wrapped in the middleware the configuration asks for (Wrap). It fails
// when part fails or builds a function other than name, or when Mount
// refuses the function.
func Handler(a *app.App, env func(string) string, name string, part Part) (http.Handler, error) {
	return handler(a, env, name, part, os.Stdout, os.Stderr)
}

func handler(a *app.App, env func(string) string, name string, part Part, stdout, stderr io.Writer) (http.Handler, error) {
	srv, err := New(a)
	if err != nil {
		return nil, err
	}
	srv.Requests = nil
	if l := RequestLog(a, env, stdout); l != nil {
		srv.Requests = l
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
	return wrap(a, h, stderr), nil
}

// Package apiserver builds the HTTP API's shared server (CORS, token
// checks, paging cursors, the access log) from the App, for every HTTP
// function.
package apiserver

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/limit"
)

// New returns the api.Server for a's configuration: it verifies access
// tokens with JWT_KEYS, seals cursors with APP_SECRET, reads client IPs
// through TRUSTED_PROXIES and, unless RATE_LIMITS=off, keeps the per-IP
// budgets of sign-up and verify.
func New(a *app.App) (*api.Server, error) {
	tokens, err := Tokens(a)
	if err != nil {
		return nil, err
	}
	c := a.Config
	srv := &api.Server{Tokens: tokens, Cursors: api.NewCursors(a.Secret()),
		AppURL: c.AppURL, AllowedOrigins: c.AllowedOrigins, Log: a.Log, TrustedProxies: c.TrustedProxies}
	if c.Limits.PerIP {
		srv.Limiter = &limit.Limiter{Store: a.Store}
		srv.PerIP = map[string]limit.Budget{"register": c.Limits.IPSignups, "verify": c.Limits.IPVerifies}
	}
	return srv, nil
}

// Tokens returns the access-token issuer and verifier for a's JWT settings.
func Tokens(a *app.App) (*auth.Tokens, error) {
	c := a.Config
	keys, err := keyset.Parse(c.JWTKeys)
	if err != nil {
		return nil, err
	}
	return auth.New(auth.Config{Keys: keys, Issuer: c.JWTIssuer, Audience: c.JWTAudience, TTL: c.JWTTTL})
}

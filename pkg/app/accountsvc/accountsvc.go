// Package accountsvc builds the account service from the App without
// password hashing, for the account functions that never hash, verify or
// check a password: logout, refresh and password-forgot. Package accounts
// adds the hashing for the others. Split so that those three link no
// argon2id, no NFKC tables and no common-password list (about 0.2 MiB
// each; internal/archtest checks that they do not link pkg/password).
package accountsvc

import (
	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/limit"
)

// New returns the account service on a's store with no Hasher and no
// CheckPassword (a flow that needs them must not be served by it) and,
// where JWT_SIGNING_KEYS is set (login and refresh), issuing tokens with
// a's JWT settings.
func New(a *app.App) (*account.Service, error) {
	// Only login and refresh hold a signing key; the other account
	// functions issue no tokens.
	var tokens account.TokenIssuer
	if a.Config.Tokens.SigningKeys != "" {
		issuer, err := apiserver.Issuer(a)
		if err != nil {
			return nil, err
		}
		tokens = issuer
	}
	return &account.Service{Users: a.Store, Throttles: a.Store, Sessions: a.Store, Deleter: a.Store, Todos: a.Store,
		Tokens: tokens, Codes: account.NewCodes(a.Secret()), Sealer: account.NewSealer(a.Secret()), Policy: policy(a.Config.Limits)}, nil
}

// policy is the account policy with the configured limits.
func policy(l app.Limits) account.Policy {
	p := account.DefaultPolicy
	p.CodeMailsPerDay, p.CodeTriesPerDay = l.CodeMailsPerDay, l.CodeTriesPerDay
	p.ResetMailsPerDay = l.CodeMailsPerDay  // the same number, a budget of its own
	p.LoginAccountFailures = l.LoginAccount // per address: RATE_LIMITS=off leaves it on
	p.LoginBackoffAfter, p.LoginBackoffMax, p.LoginAlert = l.LoginBackoffAfter, l.LoginBackoffMax, l.LoginAlert
	p.IPLoginFailures = limit.Budget{} // RATE_LIMITS=off: the per-address limits stay
	if l.PerIP {
		p.IPLoginFailures = l.IPLoginFailures
	}
	return p
}

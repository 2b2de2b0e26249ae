// Package accounts builds the account service (sign-up, verify, log-in)
// from the App, for the register, verify and login functions. It is the
// only part that links password hashing.
package accounts

import (
	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/password"
)

// New returns the account service on a's store, hashing with argon2id's
// default parameters and, where JWT_SIGNING_KEYS is set (login and
// refresh), issuing tokens with a's JWT settings.
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
		Hasher: hasher(a.Config), CheckPassword: password.Check, Tokens: tokens, Codes: account.NewCodes(a.Secret()),
		Sealer: account.NewSealer(a.Secret()), Policy: policy(a.Config.Limits)}, nil
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

// hasher returns the argon2id hasher with the default parameters, running
// at most as many hashes at once as fit in c.MemoryMB (password.Concurrency);
// callers beyond that wait up to password.DefaultMaxWait, then get a 503.
func hasher(c app.Config) *password.Hasher {
	p := password.DefaultParams
	return password.NewHasher(p, password.WithConcurrency(password.Concurrency(c.MemoryMB, p)))
}

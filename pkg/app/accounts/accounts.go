// Package accounts builds the account service (sign-up, verify, log-in,
// password reset and change, account deletion) from the App, with
// password hashing, for the account functions that hash, verify or check
// a password. It is the only part that links password hashing; the
// others (logout, refresh, password-forgot) use package accountsvc.
package accounts

import (
	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accountsvc"
	"github.com/todofn/todofn/pkg/password"
)

// New returns accountsvc.New's service hashing with argon2id's default
// parameters and checking new passwords against the policy.
func New(a *app.App) (*account.Service, error) {
	svc, err := accountsvc.New(a)
	if err != nil {
		return nil, err
	}
	svc.Hasher, svc.CheckPassword = hasher(a.Config), password.Check
	return svc, nil
}

// hasher returns the argon2id hasher with the default parameters, running
// at most as many hashes at once as fit in c.MemoryMB (password.Concurrency);
// callers beyond that wait up to password.DefaultMaxWait, then get a 503.
func hasher(c app.Config) *password.Hasher {
	p := password.DefaultParams
	return password.NewHasher(p, password.WithConcurrency(password.Concurrency(c.MemoryMB, p)))
}

// Package accounts builds the account service (sign-up, verify, log-in)
// from the App, for the register, verify and login functions. It is the
// only part that links password hashing.
package accounts

import (
	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/password"
)

// New returns the account service on a's store, hashing with argon2id's
// default parameters and issuing tokens with a's JWT settings.
func New(a *app.App) (*account.Service, error) {
	tokens, err := apiserver.Tokens(a)
	if err != nil {
		return nil, err
	}
	return &account.Service{Users: a.Store, Throttles: a.Store, Hasher: password.NewHasher(password.DefaultParams),
		Tokens: tokens, Codes: account.NewCodes(a.Secret()), Policy: account.DefaultPolicy}, nil
}

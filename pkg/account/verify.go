package account

import (
	"cmp"
	"context"
	"regexp"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

var codePattern = regexp.MustCompile(`^[0-9]{6}$`)

func invalidCode() error {
	return todo.Errorf(todo.InvalidCode, "The code is wrong or has expired. Ask for a new one.")
}

// Verify marks a pending account verified if code is its live code, with
// password as the account's password. The code proves the mailbox; the
// password says whose account it becomes. If password matches the one the
// pending account was signed up with, that hash stays; if not, a hash of
// password replaces it and the pending account's name is dropped. A
// stranger who signed up first with the owner's address and a password of
// their own ("pre-hijacking", Sudhodanan & Paverd, USENIX Security 2022)
// therefore never has that password activated by the owner's verification,
// in either order of the two sign-ups, since a later sign-up never changes
// a pending account (see Register); and nobody activates anything without
// the mailbox.
//
// A missing password, or one the sign-up policy (CheckPassword) refuses, is
// a ValidationFailed error on the field "password", before any try is
// counted. Every other failure (unknown address, wrong, expired or used-up
// code, an account already verified, which has no live code) is the same
// InvalidCode error after the same work (see checkCode); the password is
// hashed only once the code is right.
func (s *Service) Verify(ctx context.Context, email, code, password string) error {
	email, err := todo.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if !codePattern.MatchString(code) {
		return todo.FieldError("code", "Enter the 6-digit code from the mail.")
	}
	if password == "" {
		return todo.FieldError("password", "Enter the password you signed up with.")
	}
	if err := s.checkPassword(password); err != nil {
		return err
	}
	pending, err := s.checkCode(ctx, email, code, liveNonce)
	if err != nil {
		return err
	}
	same, err := s.Hasher.VerifyContext(ctx, pending.PasswordHash, password)
	if err != nil {
		return err
	}
	var hash string // the verifier's own password, when it is not the pending one
	if !same {
		if hash, err = s.Hasher.HashContext(ctx, password); err != nil {
			return err
		}
	}
	return s.edit(ctx, email, func(u *todo.User) error {
		// The code proved the mailbox for this account at this nonce and
		// the password was compared with this hash; a code re-sent or an
		// account replaced meanwhile is a spent code.
		if liveNonce(u, s.now()) != pending.CodeNonce || u.PasswordHash != pending.PasswordHash {
			return invalidCode() // spent meanwhile by a concurrent verify
		}
		if hash != "" {
			u.PasswordHash, u.Name = hash, "" // the name may be the stranger's choice too
		}
		now := s.now()
		u.Status, u.VerifiedAt, u.UpdatedAt, u.CodeNonce = todo.StatusVerified, now, now, ""
		return nil
	})
}

// checkCode checks a mailed code (verification or reset) for email, whose
// live nonce live picks from the account, and returns the account. Every
// failure is the same InvalidCode after the same work: one read of the
// account, one code check, and two counted tries, one against the code
// (Policy.MaxCodeAttempts) and one against the address's day
// (Policy.CodeTriesPerDay, after which every code of the address is refused
// with RateLimited until the UTC day turns).
func (s *Service) checkCode(ctx context.Context, email, code string, live func(*todo.User, time.Time) string) (*todo.User, error) {
	lim, p := s.limiter(), s.Policy
	daily := limit.Budget{Max: p.CodeTriesPerDay, Window: day}
	if n, err := lim.Count(ctx, "codetries:"+email, daily); err != nil {
		return nil, err
	} else if n >= daily.Max {
		return nil, limit.Limited(s.now().Truncate(day).Add(day).Sub(s.now()), "Too many wrong codes for this address today.")
	}
	u, err := s.Users.User(ctx, email)
	if todo.ErrorCode(err) == todo.NotFound {
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	nonce := live(u, s.now())
	perCode := limit.Budget{Max: p.MaxCodeAttempts, Window: p.CodeTTL}
	attempts := "codeattempts:" + cmp.Or(nonce, email)
	tries, err := lim.Count(ctx, attempts, perCode)
	if err != nil {
		return nil, err
	}
	// The code is checked even when there is no live code, so every answer
	// costs the same.
	if s.Codes.Check(email, cmp.Or(nonce, "none"), code) && nonce != "" && tries < perCode.Max {
		return u, nil
	}
	for _, k := range []struct {
		key string
		b   limit.Budget
	}{{attempts, perCode}, {"codetries:" + email, daily}} {
		if _, err := lim.Take(ctx, k.key, k.b, ""); err != nil && todo.ErrorCode(err) != todo.RateLimited {
			return nil, err
		}
	}
	return nil, invalidCode()
}

// liveNonce is u's code nonce if u is pending with an unexpired code, else
// "".
func liveNonce(u *todo.User, now time.Time) string {
	if u == nil || u.Status != todo.StatusPending || u.CodeNonce == "" || !now.Before(u.CodeExpires) {
		return ""
	}
	return u.CodeNonce
}

package account

import (
	"cmp"
	"context"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// validCode reports whether code has the form of a mailed code: six ASCII
// digits. (A loop, not a regexp: package regexp would add about 110 KB to
// the FC account functions, and internal/archtest checks none links it.)
func validCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

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
	email, err := normalizeEmail(email)
	if err != nil {
		return err
	}
	if !validCode(code) {
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
// live nonce live picks from the account, and returns the account.
//
// Tries are reserved before they are checked, as log-in tries are: one
// read of the account, then a try taken from the code's own count
// (Policy.MaxCodeAttempts over the code's whole life, keyed by its nonce,
// or by the address when there is no live code) and one from the
// address's day (Policy.CodeTriesPerDay), each one atomic conditional
// write (see tally), and only then the code check. A try that cannot be
// reserved (the count spent, any store error) is refused and never
// checked, so no burst from any number of clients gets
// more than MaxCodeAttempts wrong codes checked against one code, or
// CodeTriesPerDay against one address in a UTC day. A spent code answers
// RateLimited (ask for a new code); a spent day answers RateLimited until
// the UTC day turns, for every code of the address, the owner's right one
// too (an attacker gains nothing, and the owner tries again tomorrow). The
// right code gives both tries back. Every other failure (unknown address,
// wrong or expired code, an account already verified, which has no live
// code) is the same InvalidCode after the same work.
func (s *Service) checkCode(ctx context.Context, email, code string, live func(*todo.User, time.Time) string) (*todo.User, error) {
	u, err := s.Users.User(ctx, email)
	if todo.ErrorCode(err) == todo.NotFound {
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	nonce := live(u, s.now())
	perCode, perDay := s.codeTries(cmp.Or(nonce, email)), s.dayTries(email)
	if err := s.take(ctx, perCode); err != nil {
		return nil, err
	}
	if err := s.take(ctx, perDay); err != nil {
		s.give(ctx, perCode) // not checked: it is no wrong try
		return nil, err
	}
	// The code is checked even when there is no live code, so every answer
	// costs the same.
	if s.Codes.Check(email, cmp.Or(nonce, "none"), code) && nonce != "" {
		s.give(ctx, perCode)
		s.give(ctx, perDay)
		return u, nil
	}
	return nil, invalidCode()
}

// codeTries is the count of tries of the code with nonce (or, with no live
// code, of the address): MaxCodeAttempts for as long as a code can live. A
// reset code re-armed after the day's reset mails are spent (see
// ForgotPassword) lives at most until the day ends plus CodeTTL, so its
// count, which starts no earlier than the day, outlives it: a day and a
// CodeTTL from the last try (each try's write sets the expiry again).
func (s *Service) codeTries(id string) tally {
	p := s.Policy
	return tally{key: "codeattempts:" + id, max: p.MaxCodeAttempts, expires: s.now().Add(day + p.CodeTTL),
		retry: p.ResendWindow, message: "Too many wrong tries for this code. Ask for a new one."}
}

// dayTries is the count of wrong codes of the address in the UTC day.
func (s *Service) dayTries(email string) tally {
	return s.daily("codetries:"+email, s.Policy.CodeTriesPerDay, "Too many wrong codes for this address today.")
}

// liveNonce is u's code nonce if u is pending with an unexpired code, else
// "".
func liveNonce(u *todo.User, now time.Time) string {
	if u == nil || u.Status != todo.StatusPending || u.CodeNonce == "" || !now.Before(u.CodeExpires) {
		return ""
	}
	return u.CodeNonce
}

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

// Verify marks a pending account verified if code is its live code. Every
// failure (unknown address, wrong, expired or used-up code, an account
// already verified, which has no live code) is the same InvalidCode error
// after the same work (see checkCode).
func (s *Service) Verify(ctx context.Context, email, code string) error {
	email, err := todo.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if !codePattern.MatchString(code) {
		return todo.FieldError("code", "Enter the 6-digit code from the mail.")
	}
	if _, err := s.checkCode(ctx, email, code, liveNonce); err != nil {
		return err
	}
	return s.edit(ctx, email, func(u *todo.User) error {
		if liveNonce(u, s.now()) == "" {
			return invalidCode() // spent meanwhile by a concurrent verify
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

package account

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

var codePattern = regexp.MustCompile(`^[0-9]{6}$`)

func invalidCode() error {
	return todo.Errorf(todo.InvalidCode, "The code is wrong or has expired. Sign up again to get a new one.")
}

// Verify marks a pending account verified if code is its live code. Every
// failure (unknown address, wrong, expired or used-up code, an account
// already verified, which has no live code) is the same InvalidCode error
// after the same work: one read of the account, one code check, and two
// counted tries, one against the code (Policy.MaxCodeAttempts) and one
// against the address's day (Policy.CodeTriesPerDay, after which every code
// of the address is refused with RateLimited until the UTC day turns).
func (s *Service) Verify(ctx context.Context, email, code string) error {
	email, err := todo.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if !codePattern.MatchString(code) {
		return todo.FieldError("code", "Enter the 6-digit code from the mail.")
	}
	lim, p := s.limiter(), s.Policy
	daily := limit.Budget{Max: p.CodeTriesPerDay, Window: day}
	for range maxRetries {
		if n, err := lim.Count(ctx, "codetries:"+email, daily); err != nil {
			return err
		} else if n >= daily.Max {
			return limit.Limited(s.now().Truncate(day).Add(day).Sub(s.now()), "Too many wrong codes for this address today.")
		}
		u, err := s.Users.User(ctx, email)
		if todo.ErrorCode(err) == todo.NotFound {
			u, err = nil, nil
		}
		if err != nil {
			return err
		}
		nonce := liveNonce(u, s.now())
		perCode := limit.Budget{Max: p.MaxCodeAttempts, Window: p.CodeTTL}
		tries, err := lim.Count(ctx, "codeattempts:"+cmp.Or(nonce, email), perCode)
		if err != nil {
			return err
		}
		// The code is checked even when there is no live code, so every
		// answer costs the same.
		ok := s.Codes.Check(email, cmp.Or(nonce, "none"), code) && nonce != "" && tries < perCode.Max
		if !ok {
			if _, err := lim.Take(ctx, "codeattempts:"+cmp.Or(nonce, email), perCode, ""); err != nil && todo.ErrorCode(err) != todo.RateLimited {
				return err
			}
			if _, err := lim.Take(ctx, "codetries:"+email, daily, ""); err != nil && todo.ErrorCode(err) != todo.RateLimited {
				return err
			}
			return invalidCode()
		}
		now := s.now()
		u.Status, u.VerifiedAt, u.UpdatedAt, u.CodeNonce = todo.StatusVerified, now, now, ""
		err = s.Users.UpdateUser(ctx, u)
		if todo.ErrorCode(err) == todo.Conflict {
			continue
		}
		return err
	}
	return fmt.Errorf("account: verify: too much contention on %q", email)
}

// liveNonce is u's code nonce if u is pending with an unexpired code, else
// "".
func liveNonce(u *todo.User, now time.Time) string {
	if u == nil || u.Status != todo.StatusPending || u.CodeNonce == "" || !now.Before(u.CodeExpires) {
		return ""
	}
	return u.CodeNonce
}

// Package account is the sign-up, e-mail verification and log-in logic, and
// the mailer's decision of what to send when an account changes. It speaks
// only domain types; HTTP lives in package api.
package account

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// PasswordHasher hashes and verifies passwords; an empty hash must cost the
// same as a real one and fail.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) (bool, error)
}

// TokenIssuer issues access tokens.
type TokenIssuer interface {
	Issue(userID string) (token string, expires time.Time, err error)
}

// Policy holds the limits of the account flows.
type Policy struct {
	CodeTTL          time.Duration // how long a code works (15 min)
	ResendWindow     time.Duration // at most one mail per address per window (1 min)
	MaxCodeAttempts  int           // wrong tries before a code dies (5)
	MaxLoginFailures int           // failed logins in LoginWindow before a lock-out (5)
	LoginWindow      time.Duration // (15 min)
	LockDuration     time.Duration // (15 min)
}

// DefaultPolicy is the policy the functions use unless configured.
var DefaultPolicy = Policy{
	CodeTTL:          15 * time.Minute,
	ResendWindow:     time.Minute,
	MaxCodeAttempts:  5,
	MaxLoginFailures: 5,
	LoginWindow:      15 * time.Minute,
	LockDuration:     15 * time.Minute,
}

// Service runs the account flows.
type Service struct {
	Users     todo.UserStore
	Throttles todo.ThrottleStore
	Hasher    PasswordHasher
	Tokens    TokenIssuer
	Codes     *Codes
	Policy    Policy
	Now       func() time.Time // nil means time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// maxRetries bounds the optimistic-concurrency loops.
const maxRetries = 5

// Register signs up an address, or refreshes a pending sign-up. It returns
// nil for a new, a pending and a verified address alike, after the same
// work (one password hash, at most one conditional write), so the answer
// reveals nothing about who has an account. The mail that follows is sent
// by the mailer from the change this write causes.
func (s *Service) Register(ctx context.Context, email, password, name string) error {
	email, err := todo.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := todo.CheckPassword(password); err != nil {
		return err
	}
	if name, err = todo.NormalizeName(name); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return err
	}
	for range maxRetries {
		now := s.now()
		u, err := s.Users.User(ctx, email)
		switch {
		case todo.ErrorCode(err) == todo.NotFound:
			nonce, err := s.Codes.NewNonce()
			if err != nil {
				return err
			}
			u = &todo.User{
				ID: ulid.Make().String(), Email: email, Name: name, PasswordHash: hash,
				Status: todo.StatusPending, CodeNonce: nonce, CodeSentAt: now,
				CodeExpires: now.Add(s.Policy.CodeTTL), CreatedAt: now, UpdatedAt: now,
			}
			err = s.Users.CreateUser(ctx, u)
			if todo.ErrorCode(err) == todo.Conflict {
				continue // registered meanwhile: treat as existing
			}
			return err
		case err != nil:
			return err
		case u.Status == todo.StatusPending:
			u.PasswordHash, u.Name, u.UpdatedAt = hash, name, now
			if now.Sub(u.CodeSentAt) >= s.Policy.ResendWindow {
				if u.CodeNonce, err = s.Codes.NewNonce(); err != nil {
					return err
				}
				u.CodeSentAt, u.CodeExpires, u.CodeAttempts = now, now.Add(s.Policy.CodeTTL), 0
			}
		default: // verified: only the notice to the owner changes
			if now.Sub(u.NoticeAt) < s.Policy.ResendWindow {
				return nil
			}
			if u.NoticeNonce, err = s.Codes.NewNonce(); err != nil {
				return err
			}
			u.NoticeAt = now
		}
		err = s.Users.UpdateUser(ctx, u)
		if todo.ErrorCode(err) == todo.Conflict {
			continue
		}
		return err
	}
	return fmt.Errorf("account: register: too much contention on %q", email)
}

var codePattern = regexp.MustCompile(`^[0-9]{6}$`)

func invalidCode() error {
	return todo.Errorf(todo.InvalidCode, "The code is wrong or has expired. Sign up again to get a new one.")
}

// Verify marks the account verified if code is its current code. Every
// failure (unknown address, wrong, expired or exhausted code) is the same
// InvalidCode error. A wrong code counts against the code's tries; a
// verified account answers nil to its last code again, so a second click on
// the mailed link still succeeds.
func (s *Service) Verify(ctx context.Context, email, code string) error {
	email, err := todo.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if !codePattern.MatchString(code) {
		return todo.FieldError("code", "Enter the 6-digit code from the mail.")
	}
	for range maxRetries {
		now := s.now()
		u, err := s.Users.User(ctx, email)
		if todo.ErrorCode(err) == todo.NotFound {
			return invalidCode()
		} else if err != nil {
			return err
		}
		if u.Status == todo.StatusVerified {
			if s.Codes.Check(email, u.CodeNonce, code) {
				return nil
			}
			return invalidCode()
		}
		if u.CodeNonce == "" || u.CodeAttempts >= s.Policy.MaxCodeAttempts || !now.Before(u.CodeExpires) {
			return invalidCode()
		}
		ok := s.Codes.Check(email, u.CodeNonce, code)
		if ok {
			u.Status, u.VerifiedAt, u.CodeAttempts = todo.StatusVerified, now, 0
		} else {
			u.CodeAttempts++
		}
		u.UpdatedAt = now
		err = s.Users.UpdateUser(ctx, u)
		if todo.ErrorCode(err) == todo.Conflict {
			continue
		}
		if err != nil {
			return err
		}
		if !ok {
			return invalidCode()
		}
		return nil
	}
	return fmt.Errorf("account: verify: too much contention on %q", email)
}

func invalidCredentials() error {
	return todo.Errorf(todo.InvalidCredentials, "The e-mail address or password is wrong.")
}

// Login checks the password and issues an access token. An unknown address
// and a wrong password give the same InvalidCredentials error after the same
// work (one password hash against a real or dummy hash, one counter write).
// A correct password on a pending account is EmailNotVerified. After
// Policy.MaxLoginFailures failures in Policy.LoginWindow the address is
// locked for Policy.LockDuration (RateLimited, with RetryAfter), known or
// not.
func (s *Service) Login(ctx context.Context, email, password string) (*todo.Session, error) {
	email, err := todo.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if password == "" {
		return nil, todo.FieldError("password", "Enter your password.")
	}
	if len(password) > 4*todo.MaxPasswordLen {
		return nil, invalidCredentials() // never hash unbounded input
	}
	key := "login:" + email
	now := s.now()
	th, err := s.Throttles.Throttle(ctx, key)
	if todo.ErrorCode(err) == todo.NotFound {
		th, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if th != nil && now.Before(th.LockedUntil) {
		return nil, locked(th.LockedUntil.Sub(now))
	}
	u, err := s.Users.User(ctx, email)
	if todo.ErrorCode(err) == todo.NotFound {
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := s.Hasher.Verify(hash, password)
	if err != nil {
		return nil, fmt.Errorf("account: login: %w", err)
	}
	if !ok {
		if err := s.recordFailure(ctx, key, th); err != nil {
			return nil, err
		}
		return nil, invalidCredentials()
	}
	if th != nil {
		if err := s.Throttles.DeleteThrottle(ctx, key); err != nil {
			return nil, err
		}
	}
	if u.Status != todo.StatusVerified {
		return nil, todo.Errorf(todo.EmailNotVerified, "Verify your e-mail address first: use the code we mailed you.")
	}
	tok, exp, err := s.Tokens.Issue(u.ID)
	if err != nil {
		return nil, err
	}
	return &todo.Session{AccessToken: tok, ExpiresIn: int(exp.Sub(s.now()).Round(time.Second) / time.Second), User: u}, nil
}

func locked(d time.Duration) error {
	secs := int((d + time.Second - 1) / time.Second)
	return &todo.Error{Code: todo.RateLimited, RetryAfter: secs,
		Message: fmt.Sprintf("Too many failed log-ins. Try again in %d minutes.", (secs+59)/60)}
}

// recordFailure counts one failed log-in, locking the key at the limit.
func (s *Service) recordFailure(ctx context.Context, key string, th *todo.Throttle) error {
	p := s.Policy
	for range maxRetries {
		now := s.now()
		if th == nil {
			th = &todo.Throttle{Key: key}
		}
		if now.Sub(th.WindowStart) >= p.LoginWindow || th.Failures == 0 {
			th.Failures, th.WindowStart = 0, now
		}
		th.Failures++
		if th.Failures >= p.MaxLoginFailures {
			th.LockedUntil = now.Add(p.LockDuration)
		}
		th.Expires = th.WindowStart.Add(p.LoginWindow)
		if th.LockedUntil.After(th.Expires) {
			th.Expires = th.LockedUntil
		}
		err := s.Throttles.PutThrottle(ctx, th)
		if todo.ErrorCode(err) != todo.Conflict {
			return err
		}
		// Someone else counted meanwhile: count on top of theirs.
		th, err = s.Throttles.Throttle(ctx, key)
		if todo.ErrorCode(err) == todo.NotFound {
			th = nil
		} else if err != nil {
			return err
		}
	}
	return fmt.Errorf("account: login: too much contention on the failure counter")
}

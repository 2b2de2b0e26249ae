// Package account is the sign-up, e-mail verification and log-in logic, and
// the mailer's decision of what to send when an account changes. It speaks
// only domain types; HTTP lives in package api.
//
// Its limits are built so that they slow attackers, not owners: nothing an
// attacker sends can change a pending account, lock its owner out, or mail
// an address more than a few times a day (see Policy).
package account

import (
	"context"
	"fmt"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// PasswordHasher hashes and verifies passwords (package password). An empty
// hash must cost the same as a real one and fail. Both calls may fail with
// Unavailable when too many run at once.
type PasswordHasher interface {
	HashContext(ctx context.Context, password string) (string, error)
	VerifyContext(ctx context.Context, hash, password string) (bool, error)
	// NeedsRehash reports whether hash was made with other parameters than
	// the hasher's own.
	NeedsRehash(hash string) bool
}

// TokenIssuer issues access tokens for a session.
type TokenIssuer interface {
	Issue(userID, sessionID string) (token string, expires time.Time, err error)
}

// Policy holds the limits of the account flows.
//
// The per-code and per-day counts (MaxCodeAttempts, CodeMailsPerDay,
// ResetMailsPerDay, CodeTriesPerDay) are exact counts over a fixed span (a
// code's life, a UTC day), kept on the store's atomic counters (see
// tally); the rates (LoginAlert, LoginAccountFailures,
// IPLoginFailures) are package limit's budgets.
type Policy struct {
	CodeTTL         time.Duration // how long a code works (15 min)
	ResendWindow    time.Duration // at most one sign-up mail per address per window (1 min)
	MaxCodeAttempts int           // wrong tries before one code dies (5)
	CodeMailsPerDay int           // sign-up code, notice and alert mails per address per UTC day (5)
	// ResetMailsPerDay is the budget of password-reset mails per address
	// per UTC day (5), apart from CodeMailsPerDay's, so sign-ups and
	// alerts never spend the owner's resets (see ForgotPassword).
	ResetMailsPerDay int
	CodeTriesPerDay  int // wrong codes per address per UTC day, all codes together (20)

	// LoginBackoffAfter failures of one (address, client IP) pair, the
	// pair must wait 1 s, then 2 s, 4 s … up to LoginBackoffMax.
	LoginBackoffAfter int
	LoginBackoffMax   time.Duration
	// LoginAlert is the budget of failures of one address across all
	// client IPs; the failure that spends it mails the owner an alert. It
	// is always counted as a fixed window (Fixed is set whatever the
	// configuration says), so the alert fires at most once per Window: a
	// token bucket would reach Max again at every refill (one every
	// Window/Max, 36 s for 100/1h) under a sustained attack.
	LoginAlert limit.Budget
	// IPLoginFailures is the budget of failed log-ins of one client IP
	// across all addresses; zero turns it off.
	IPLoginFailures limit.Budget
	// LoginAccountFailures is the budget of failed log-ins of one address
	// across all client IPs (LOGIN_ACCOUNT_LIMIT, 10/6m: 10 at once, 100 an
	// hour, OWASP ASVS 2.2.1): a try is taken before the hash and given
	// back on success (see Login). Zero turns it off.
	LoginAccountFailures limit.Budget

	SessionIdle time.Duration // a session ends this long after its last refresh (7 days)
	SessionMax  time.Duration // and this long after the log-in, whatever happens (30 days)
}

// DefaultPolicy is the policy the functions use unless configured. Its
// configurable numbers (the mail, code, back-off and log-in limits) are the
// defaults of pkg/app's settings table, which the functions use; a test
// (pkg/app/accounts TestDefaultPolicyIsTheSettingsDefaults) keeps the two equal.
var DefaultPolicy = Policy{
	CodeTTL:           15 * time.Minute,
	ResendWindow:      time.Minute,
	MaxCodeAttempts:   5,
	CodeMailsPerDay:   5,
	ResetMailsPerDay:  5,
	CodeTriesPerDay:   20,
	LoginBackoffAfter: 5,
	LoginBackoffMax:   15 * time.Minute,
	LoginAlert:        limit.Budget{Max: 100, Window: time.Hour, Fixed: true},
	IPLoginFailures:   limit.Budget{Max: 30, Window: 5 * time.Minute},
	SessionIdle:       defaultSessionIdle,
	SessionMax:        defaultSessionMax,

	LoginAccountFailures: limit.Budget{Max: 10, Window: 6 * time.Minute},
}

// day is the window of the per-address daily limits: a UTC day.
const day = 24 * time.Hour

// Service runs the account flows.
type Service struct {
	Users     todo.UserStore
	Throttles todo.ThrottleStore // counters and budgets (the keys table)
	Hasher    PasswordHasher
	// CheckPassword checks a new password against the policy (package
	// password's Check: length and the common-password list); nil checks
	// the length only.
	CheckPassword func(password string) error
	Tokens        TokenIssuer
	Sessions      todo.SessionStore
	Deleter       todo.UserDeleter
	Todos         todo.TodoPurger // account deletion empties the list
	Sealer        *Sealer         // seals a rotated refresh token for the grace period
	Codes         *Codes
	Policy        Policy
	Now           func() time.Time // nil means time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// edit applies fn to the account of email and stores it, reading again
// and reapplying fn when a concurrent write got there first. fn's error
// stops the edit and is returned.
func (s *Service) edit(ctx context.Context, email string, fn func(u *todo.User) error) error {
	for range maxRetries {
		u, err := s.Users.User(ctx, email)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
		err = s.Users.UpdateUser(ctx, u)
		if todo.ErrorCode(err) != todo.Conflict {
			return err
		}
	}
	return fmt.Errorf("account: too much contention on %q", email)
}

// noticeOn marks u for a security notice of kind, naming the request's
// client IP; the mailer sends it from the change. Security notices do not
// count against the daily mail budget: only the owner's own acts and a
// stolen token cause them.
func (s *Service) noticeOn(ctx context.Context, u *todo.User, kind todo.Notice) error {
	nonce, err := s.Codes.NewNonce()
	if err != nil {
		return err
	}
	u.NoticeNonce, u.NoticeAt, u.NoticeKind, u.NoticeIP = nonce, s.now(), kind, todo.ClientIP(ctx)
	return nil
}

// notice marks the account of email for a security notice of kind.
func (s *Service) notice(ctx context.Context, email string, kind todo.Notice) error {
	err := s.edit(ctx, email, func(u *todo.User) error { return s.noticeOn(ctx, u, kind) })
	if todo.ErrorCode(err) == todo.NotFound {
		return nil // the account is gone: nobody to tell
	}
	return err
}

func (s *Service) limiter() *limit.Limiter { return &limit.Limiter{Store: s.Throttles, Now: s.Now} }

// maxRetries bounds the optimistic-concurrency loops.
const maxRetries = 5

// mailAllowed takes one mail from the address's daily budget of sign-up
// code, notice and alert mails and reports whether one may go out. A
// caller whose write then stores nothing gives it back (giveMail).
func (s *Service) mailAllowed(ctx context.Context, email string) (bool, error) {
	err := s.take(ctx, s.mails(email))
	if todo.ErrorCode(err) == todo.RateLimited {
		return false, nil
	}
	return err == nil, err
}

// giveMail gives back a mail taken by mailAllowed whose write lost its race
// or failed before it stored anything, so no mail goes out for it.
func (s *Service) giveMail(ctx context.Context, email string) { s.give(ctx, s.mails(email)) }

func (s *Service) mails(email string) tally {
	return s.daily("mails:"+email, s.Policy.CodeMailsPerDay, "Too many mails to this address today.")
}

// A tally is an exact count of events on a key over a fixed span: at most
// max events until the record expires. It is kept on the store's atomic
// counters (todo.CounterStore.AddCount): a take is AddCount(key, +1, floor
// 0, ceiling max), a give-back AddCount(-1), a read AddCount(0), each one
// conditional write (or read) with no read before it and no retry, so
// concurrent takes are exact under any burst and none is refused for
// running at the same time as others. The key carries its span (a UTC
// day's key ends in its date), so a new span starts at 0.
//
// These are the account limits that must be exact, not rates: a code's five
// tries over its whole life (a rate or a fixed window of the code's length
// would let a code that straddles two windows have ten), a UTC day's mails
// and wrong codes.
type tally struct {
	key     string        // the counter, naming its span
	max     int           // the most events the span holds
	expires time.Time     // the end of the span (the record's expiry)
	retry   time.Duration // the refusal's wait
	message string        // the refusal's sentence
}

// daily is the tally of key over the current UTC day: its counter is key
// with the date appended.
func (s *Service) daily(key string, max int, message string) tally {
	now := s.now()
	start := now.Truncate(day)
	return tally{key: key + "/" + start.Format(time.DateOnly), max: max, expires: start.Add(day),
		retry: start.Add(day).Sub(now), message: message}
}

// take takes one event from t, or refuses with RateLimited when t holds
// max already. Any other error is the store's, and a refusal too.
func (s *Service) take(ctx context.Context, t tally) error {
	_, ok, err := s.Throttles.AddCount(ctx, t.key, 1, 0, int64(t.max), t.expires)
	if err != nil {
		return err
	}
	if !ok {
		return limit.Limited(t.retry, t.message)
	}
	return nil
}

// give gives back one event taken from t. An empty count stays empty (the
// floor refuses it). It is best effort: when the write fails the count
// stays one too high, which errs on the safe side.
func (s *Service) give(ctx context.Context, t tally) {
	_, _, _ = s.Throttles.AddCount(ctx, t.key, -1, 0, int64(t.max), t.expires)
}

// count returns how many events t holds, changing nothing.
func (s *Service) count(ctx context.Context, t tally) (int, error) {
	n, _, err := s.Throttles.AddCount(ctx, t.key, 0, 0, int64(t.max), t.expires)
	return int(n), err
}

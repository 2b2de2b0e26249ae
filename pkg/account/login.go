package account

import (
	"cmp"
	"context"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

func invalidCredentials() error {
	return todo.Errorf(todo.InvalidCredentials, "The e-mail address or password is wrong.")
}

// Login checks the password and issues an access token. An unknown address
// and a wrong password give the same InvalidCredentials error after the same
// work. A correct password on a pending account is EmailNotVerified.
//
// Failures slow down the one who fails, not the owner: each attempt is
// counted for its (address, client IP) pair before the password is hashed,
// by a conditional write, so a burst gets no more hashes than the budget;
// after Policy.LoginBackoffAfter failures the pair must wait 1 s, 2 s, 4 s
// … up to Policy.LoginBackoffMax (RateLimited with RetryAfter). A client IP
// also has a budget of failures across all addresses, and the failure that
// spends an address's budget across all IPs (Policy.LoginAlert) mails its
// owner an alert. The owner, from an address of their own, logs in as
// usual meanwhile. A successful log-in clears its pair and gives back its
// IP's try. Client IPs are keyed by todo.NetworkOf (an IPv6 client by its
// /64, which one subscriber holds whole).
//
// An address also has a budget of failed log-ins across all client IPs
// (Policy.LoginAccountFailures, 10 at once and 100 an hour by default, as
// OWASP ASVS 2.2.1 asks), taken before the hash with the others and given
// back on success, so no number of client IPs gets more passwords checked
// against one account than the budget holds. It slows and never locks: a
// spent budget answers RateLimited with a Retry-After until it holds a try
// again, at most one refill interval (Window/Max with package limit's
// token buckets: 36 s by default; at most the Window, 6 min, on fixed
// windows); no failure lengthens that, and a try it refuses is given back
// to the IP's budget and the pair's count, so an owner who meets it loses
// nothing by trying again. While an attacker keeps spending the budget,
// the owner competes for each refilled try, and the alert (LoginAlert)
// tells them.
func (s *Service) Login(ctx context.Context, email, password string) (*todo.Tokens, error) {
	email, err := normalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if password == "" {
		return nil, todo.FieldError("password", "Enter your password.")
	}
	u, err := s.check(ctx, email, password)
	if err != nil {
		return nil, err
	}
	if u.Status != todo.StatusVerified {
		return nil, todo.Errorf(todo.EmailNotVerified, "Verify your e-mail address first: use the code we mailed you.")
	}
	s.rehash(ctx, u, password)
	return s.startSession(ctx, u)
}

// check checks email's password as a log-in does, with its limits (see
// Login), and returns the account; InvalidCredentials when it is wrong or
// the address unknown.
func (s *Service) check(ctx context.Context, email, password string) (*todo.User, error) {
	if len(password) > maxPasswordBytes {
		return nil, passwordTooLong() // never hash unbounded input; see maxPasswordBytes
	}
	ip := todo.NetworkOf(todo.ClientIP(ctx))
	pair := "login:" + email + "|" + cmp.Or(ip, "-")
	if err := s.reserveTry(ctx, pair); err != nil {
		return nil, err
	}
	ipKey, lim := "loginip:"+ip, s.limiter()
	if ip != "" {
		if _, err := lim.Take(ctx, ipKey, s.Policy.IPLoginFailures, "Too many failed log-ins from your network."); err != nil {
			return nil, err
		}
	}
	acctKey, acct := "loginacct:"+email, s.Policy.LoginAccountFailures
	if _, err := lim.Take(ctx, acctKey, acct, "Too many failed log-ins for this address."); err != nil {
		// Refused, never checked: any error, the limiter's own included.
		if ip != "" {
			_ = lim.Give(ctx, ipKey, s.Policy.IPLoginFailures)
		}
		s.forgetTry(ctx, pair)
		return nil, err
	}
	u, err := s.Users.User(ctx, email)
	if todo.ErrorCode(err) == todo.NotFound {
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	var hash string
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := s.Hasher.VerifyContext(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.countFailure(ctx, email, u); err != nil {
			return nil, err
		}
		return nil, invalidCredentials()
	}
	if err := s.Throttles.DeleteThrottle(ctx, pair); err != nil {
		return nil, err
	}
	if err := lim.Give(ctx, acctKey, acct); err != nil {
		return nil, err
	}
	if ip != "" {
		if err := lim.Give(ctx, ipKey, s.Policy.IPLoginFailures); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// backoff is the wait after the n-th failure past the limit: 1 s, 2 s, 4 s
// … up to max.
func backoff(n int, max time.Duration) time.Duration {
	if n >= 30 {
		return max
	}
	return min(time.Second<<n, max)
}

// reserveTry counts one attempt of the pair before its password is hashed,
// or refuses it with RateLimited while the pair must wait.
func (s *Service) reserveTry(ctx context.Context, key string) error {
	p := s.Policy
	for range maxRetries {
		now := s.now()
		th, err := s.Throttles.Throttle(ctx, key)
		if todo.ErrorCode(err) == todo.NotFound {
			th, err = &todo.Throttle{Key: key, WindowStart: now}, nil
		}
		if err != nil {
			return err
		}
		if now.Before(th.LockedUntil) {
			return limit.Limited(th.LockedUntil.Sub(now), "Too many log-in attempts for this address from here.")
		}
		th.Failures++
		if th.Failures >= p.LoginBackoffAfter {
			th.LockedUntil = now.Add(backoff(th.Failures-p.LoginBackoffAfter, p.LoginBackoffMax))
		}
		// A pair is forgotten after a quiet spell as long as the longest wait.
		th.Expires = later(th.LockedUntil, now).Add(p.LoginBackoffMax)
		err = s.Throttles.PutThrottle(ctx, th)
		if todo.ErrorCode(err) != todo.Conflict {
			return err
		}
	}
	return limit.Limited(time.Second, "Too many log-ins at once.")
}

// giveRetries bounds forgetTry's loop: more than a take's, since a
// give-back that fails leaves a try counted that never happened.
const giveRetries = 4 * maxRetries

// forgetTry takes back the try reserveTry counted for the pair when the
// attempt was refused before its password was checked. Before the try the
// pair was not waiting (else it was refused), so a wait only that try set
// goes too. It is best effort: a try not taken back only slows the pair.
func (s *Service) forgetTry(ctx context.Context, key string) {
	for range giveRetries {
		th, err := s.Throttles.Throttle(ctx, key)
		if err != nil || th.Failures == 0 {
			return
		}
		th.Failures--
		if th.Failures < s.Policy.LoginBackoffAfter {
			th.LockedUntil = time.Time{}
		}
		if todo.ErrorCode(s.Throttles.PutThrottle(ctx, th)) != todo.Conflict {
			return
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// countFailure counts a failed log-in against the address across all IPs
// in a fixed window of Policy.LoginAlert; the failure that spends the
// window's budget (the Max-th, exactly one per window however many race)
// sets an alert on a verified account, which the mailer sends to its owner.
func (s *Service) countFailure(ctx context.Context, email string, u *todo.User) error {
	b := s.Policy.LoginAlert
	b.Fixed = true // once per window, not at every refill (see Policy.LoginAlert)
	n, err := s.limiter().Take(ctx, "loginalert:"+email, b, "")
	if b.Off() || todo.ErrorCode(err) == todo.RateLimited || n != b.Max || u == nil || u.Status != todo.StatusVerified {
		return nil // counted (or already alerted this window), or no owner to alert
	}
	if err != nil {
		return err
	}
	if ok, err := s.mailAllowed(ctx, email); !ok || err != nil {
		return err
	}
	nonce, err := s.Codes.NewNonce()
	if err == nil {
		err = s.edit(ctx, email, func(u *todo.User) error {
			now := s.now()
			u.AlertNonce, u.AlertAt, u.UpdatedAt = nonce, now, now
			return nil
		})
	}
	if err != nil && storedNothing(err) {
		s.giveMail(ctx, email) // no alert stored: no mail goes out for it
	}
	return err
}

// rehash stores a new hash of password when u's was made with other
// parameters. It is best effort: the log-in succeeds either way.
func (s *Service) rehash(ctx context.Context, u *todo.User, password string) {
	if !s.Hasher.NeedsRehash(u.PasswordHash) {
		return
	}
	hash, err := s.Hasher.HashContext(ctx, password)
	if err != nil {
		return
	}
	nu := *u
	nu.PasswordHash, nu.UpdatedAt = hash, s.now()
	if s.Users.UpdateUser(ctx, &nu) == nil {
		*u = nu
	}
}

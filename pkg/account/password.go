package account

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// ForgotPassword asks for a password-reset code for email. It returns nil
// for every address and mails nothing to an unknown one. For a known
// address it writes a reset request on the account (a new nonce; the code
// is derived from it and never stored), which the mailer turns into a mail
// with a 6-digit code and a link to the web app.
//
// Nobody can spend the owner's recovery, and nobody can use it to mail an
// address much:
//
//   - One live code at a time. While the account's reset code is live
//     (unexpired, and tries left on it), a request changes nothing and
//     mails nothing: the code is already in the owner's mailbox, whoever
//     asked for it. So a burst of requests, parallel or spaced, makes one
//     mail per code life (Policy.CodeTTL) at most.
//   - Reset mails have their own budget, Policy.ResetMailsPerDay per UTC
//     day, apart from the sign-up and notice mails' (CodeMailsPerDay), so
//     sign-ups and alerts never spend it. A request whose write loses its
//     race (another request issued the code meanwhile) or fails before it
//     stored anything gives its take back.
//   - When the day's budget is spent and no code is live, a request mails
//     nothing and re-arms the last code mailed instead (its life starts
//     again, its tries do not: see codeTries), so the owner's request
//     still leaves a working code in the owner's mailbox.
//
// So an address gets at most ResetMailsPerDay reset mails a UTC day (5),
// and at most one per CodeTTL; with CodeMailsPerDay's, at most 10 mails a
// day from anything an attacker can send. What an attacker can still do is
// spend the address's wrong-code tries (CodeTriesPerDay), after which
// every code is refused until the day turns (see checkCode).
//
// Known and unknown addresses cost the same store work, in the same order,
// first request and repeat alike: a read of the account, a read of the
// address's code marker, a read of the live code's tries; then, when no
// code is live, a take from the reset-mail count and a second conditional
// write: the account's for a known address, the marker's for an unknown
// one (an unknown address has no account to write, and creating one would
// make an account nobody signed up for). The marker (see codeMarker) holds
// when the last code's life ends: what an unknown address has instead of a
// live code. A known address reads it too and writes it when it has no
// code to re-arm, so the work stays the same. Every count is one atomic
// AddCount (see tally).
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	email, err := normalizeEmail(email)
	if err != nil {
		return err
	}
	p := s.Policy
	for range maxRetries {
		u, err := s.Users.User(ctx, email)
		if todo.ErrorCode(err) == todo.NotFound {
			u, err = nil, nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		marker, err := s.readMarker(ctx, email)
		if err != nil {
			return err
		}
		nonce, live := "", now.Unix() < marker.ends // an unknown address's code
		if u != nil {
			nonce = liveReset(u, now)
			live = nonce != ""
		}
		tries, err := s.count(ctx, s.codeTries(cmp.Or(nonce, email)))
		if err != nil {
			return err
		}
		if live && tries < p.MaxCodeAttempts {
			return nil // the live code is in the owner's mailbox
		}
		budget := s.daily("resetmails:"+email, p.ResetMailsPerDay, "")
		err = s.take(ctx, budget)
		mail := err == nil
		if err != nil && todo.ErrorCode(err) != todo.RateLimited {
			return err
		}
		err = s.issueReset(ctx, u, marker, mail, now)
		if err != nil && mail && storedNothing(err) {
			s.give(ctx, budget) // no mail goes out for this take
		}
		if todo.ErrorCode(err) == todo.Conflict {
			continue // another request issued a code meanwhile: look again
		}
		return err
	}
	return limit.Limited(time.Second, "Too many requests for this address at once.")
}

// issueReset is ForgotPassword's second write: a new reset code on u when
// mail is true, else u's last code re-armed; for an unknown address (or an
// account with no code to re-arm) the marker claimed for the code's life.
// An unknown address whose marker another request claimed meanwhile is a
// Conflict, as a known one's account written meanwhile is; a known
// address's marker only keeps the work equal, so its outcome is ignored.
func (s *Service) issueReset(ctx context.Context, u *todo.User, marker codeMarker, mail bool, now time.Time) error {
	nonce, err := s.Codes.NewNonce()
	if err != nil {
		return err
	}
	if u == nil || !mail && u.ResetNonce == "" {
		ok, err := s.claimMarker(ctx, marker, now.Add(s.Policy.CodeTTL))
		if err == nil && !ok && u == nil {
			err = todo.Errorf(todo.Conflict, "A reset code was issued meanwhile.")
		}
		return err
	}
	if mail {
		u.ResetNonce, u.ResetSentAt = nonce, now
	}
	u.ResetExpires, u.UpdatedAt = now.Add(s.Policy.CodeTTL), now
	return s.Users.UpdateUser(ctx, u)
}

// A codeMarker is the end of the last reset code's life of an address, in
// Unix seconds, kept as an atomic counter's value (key resetcode:<address>)
// so the account service's clock, not the store's record expiry, decides
// whether it is live.
type codeMarker struct {
	key  string
	ends int64 // as read: 0 when none
}

// readMarker reads email's code marker (AddCount with delta 0).
func (s *Service) readMarker(ctx context.Context, email string) (codeMarker, error) {
	m := codeMarker{key: "resetcode:" + email}
	n, _, err := s.Throttles.AddCount(ctx, m.key, 0, 0, math.MaxInt64, s.now().Add(day))
	m.ends = n
	return m, err
}

// claimMarker sets the marker m read to ends, as one conditional write
// that succeeds only if the stored value is still the one read: the stored
// value v is raised to the floor m.ends (a record gone meanwhile reads as
// m.ends) and v + (ends - m.ends) must stay within the ceiling ends, which
// holds exactly when v <= m.ends; a claim by another request meanwhile
// stored a later end, and this one then reports false. The record itself
// is kept a day past ends, long after the value stopped mattering.
func (s *Service) claimMarker(ctx context.Context, m codeMarker, ends time.Time) (bool, error) {
	e := ends.Unix()
	_, ok, err := s.Throttles.AddCount(ctx, m.key, e-m.ends, m.ends, e, ends.Add(day))
	return ok, err
}

// storedNothing reports whether a failed write surely changed nothing: the
// store refused it (a Conflict, a NotFound). After a store or network
// failure (Internal, Unavailable) the write may still have been applied.
func storedNothing(err error) bool {
	c := todo.ErrorCode(err)
	return c != todo.Internal && c != todo.Unavailable && c != ""
}

// ResetPassword sets a new password with a mailed reset code. The code
// works for Policy.CodeTTL and Policy.MaxCodeAttempts tries, and the daily
// wrong-code limit of verification applies; every failure is the same
// InvalidCode after the same work. A reset ends every session of the
// account, also verifies a pending address (the person proved they read
// its mail), and mails the owner a notice. The write that sets the new hash
// also bumps the credential generation (User.CredGen) before the sessions
// are deleted, so a log-in racing the reset with the old password either
// finds its session refused (CreateSession sees the new generation) or
// created early enough for the deletion to find it.
func (s *Service) ResetPassword(ctx context.Context, email, code, password string) error {
	email, err := normalizeEmail(email)
	if err != nil {
		return err
	}
	if !validCode(code) {
		return todo.FieldError("code", "Enter the 6-digit code from the mail.")
	}
	if err := s.checkPassword(password); err != nil {
		return err
	}
	u, err := s.checkCode(ctx, email, code, liveReset)
	if err != nil {
		return err
	}
	hash, err := s.Hasher.HashContext(ctx, password)
	if err != nil {
		return err
	}
	err = s.edit(ctx, email, func(u *todo.User) error {
		if liveReset(u, s.now()) == "" {
			return invalidCode() // spent meanwhile by a concurrent reset
		}
		now := s.now()
		u.PasswordHash, u.ResetNonce, u.UpdatedAt = hash, "", now
		u.CredGen++
		if u.Status == todo.StatusPending {
			u.Status, u.VerifiedAt, u.CodeNonce = todo.StatusVerified, now, ""
		}
		return s.noticeOn(ctx, u, todo.NoticePasswordReset)
	})
	if err != nil {
		return err
	}
	_, err = s.Sessions.DeleteSessions(ctx, u.ID, "")
	return err
}

// liveReset is u's reset nonce if it has an unexpired reset code, else "".
func liveReset(u *todo.User, now time.Time) string {
	if u == nil || u.ResetNonce == "" || !now.Before(u.ResetExpires) {
		return ""
	}
	return u.ResetNonce
}

// ChangePassword replaces the password of the session's account after
// checking the current one (a wrong one counts toward the log-in limits),
// ends every other session of the account and mails the owner a notice.
// The write that sets the new hash bumps the credential generation, which
// ends every session born of the old password, also those of log-ins
// racing the change (see ResetPassword); the caller's own session is then
// moved to the new generation and kept, and every other one is deleted.
// A refresh of the caller's own session in the moment between the bump and
// the move finds it stale and ends it: the caller then logs in again.
func (s *Service) ChangePassword(ctx context.Context, userID, sid, current, next string) error {
	if err := s.checkPassword(next); err != nil {
		return err
	}
	u, err := s.reauthenticate(ctx, userID, sid, current)
	if err != nil {
		return err
	}
	hash, err := s.Hasher.HashContext(ctx, next)
	if err != nil {
		return err
	}
	var gen int64
	err = s.edit(ctx, u.Email, func(u *todo.User) error {
		u.PasswordHash, u.UpdatedAt = hash, s.now()
		u.CredGen++
		gen = u.CredGen
		return s.noticeOn(ctx, u, todo.NoticePasswordChanged)
	})
	if err != nil {
		return err
	}
	if err := s.moveSession(ctx, userID, sid, gen); err != nil {
		return err
	}
	_, err = s.Sessions.DeleteSessions(ctx, userID, sid)
	return err
}

// moveSession sets the credential generation of the session to gen with a
// conditional update, reading again when a concurrent refresh rotated it;
// a session gone meanwhile stays gone.
func (s *Service) moveSession(ctx context.Context, userID, sid string, gen int64) error {
	for range maxRetries {
		rs, err := s.Sessions.Session(ctx, userID, sid)
		if todo.ErrorCode(err) == todo.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		rs.CredGen = gen
		err = s.Sessions.UpdateSession(ctx, rs)
		if code := todo.ErrorCode(err); code != todo.Conflict {
			if code == todo.NotFound {
				return nil
			}
			return err
		}
	}
	return fmt.Errorf("account: change password: too much contention on session %s", sid)
}

// DeleteAccount removes the session's account after checking its password
// (a wrong one counts toward the log-in limits): the account, its todos and
// its sessions. Counters kept per address (mails a day, wrong codes a
// day) stay until they expire, so deleting and signing up again resets no
// limit. The order matters:
//
//  1. One write marks the account for the mailer, which tells the owner,
//     and bumps its credential generation. It is the account's last write,
//     so every engine's stream carries it with the whole account (a
//     removal may carry only the key), and from it on no log-in that read
//     the old account can keep a session (see ResetPassword).
//  2. The sessions go, before the todos: from then on every todo route
//     refuses the account's access tokens (their session is gone).
//  3. The todos go.
//  4. The account goes.
//  5. The todos go once more: a write that passed its session check just
//     before step 2 may land while step 3 runs, after its query passed.
//     (One delayed past all of this would leave a row no account can
//     reach: the user ID is never given out again.)
func (s *Service) DeleteAccount(ctx context.Context, userID, sid, password string) error {
	u, err := s.reauthenticate(ctx, userID, sid, password)
	if err != nil {
		return err
	}
	err = s.edit(ctx, u.Email, func(nu *todo.User) error {
		if nu.ID != u.ID {
			return unauthorizedRefresh() // the address belongs to a new account now
		}
		nu.CredGen++
		return s.noticeOn(ctx, nu, todo.NoticeAccountDeleted)
	})
	if err != nil && todo.ErrorCode(err) != todo.NotFound {
		return err
	}
	if _, err := s.Sessions.DeleteSessions(ctx, u.ID, ""); err != nil {
		return err
	}
	if _, err := s.Todos.DeleteTodos(ctx, u.ID); err != nil {
		return err
	}
	if err := s.Deleter.DeleteUser(ctx, u.Email); err != nil {
		return err
	}
	_, err = s.Todos.DeleteTodos(ctx, u.ID)
	return err
}

// reauthenticate returns the account of a live session after checking its
// password, as a log-in from the request's client IP would: the try is
// reserved first and a failure counts.
func (s *Service) reauthenticate(ctx context.Context, userID, sid, password string) (*todo.User, error) {
	rs, err := s.Sessions.Session(ctx, userID, sid)
	if todo.ErrorCode(err) == todo.NotFound {
		return nil, unauthorizedRefresh()
	}
	if err != nil {
		return nil, err
	}
	u, err := s.check(ctx, rs.Email, password)
	if todo.ErrorCode(err) == todo.InvalidCredentials {
		return nil, &todo.Error{Code: todo.InvalidCredentials, Field: "password", Message: "The password is wrong."}
	}
	if err != nil {
		return nil, err
	}
	if u.ID != userID {
		return nil, unauthorizedRefresh() // the address belongs to a new account now
	}
	return u, nil
}

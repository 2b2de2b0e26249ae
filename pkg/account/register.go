package account

import (
	"context"
	"fmt"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// checkPassword checks a new password with CheckPassword, or by length
// alone when it is nil.
func (s *Service) checkPassword(p string) error {
	if s.CheckPassword != nil {
		return s.CheckPassword(p)
	}
	return todo.CheckPassword(p)
}

// Register signs up an address. It returns nil for a new, a pending and a
// verified address alike, after the same work (one password hash, at most
// one conditional write), so the answer reveals nothing about who has an
// account. A later sign-up never changes a pending account: its password
// and name stay as first set, and it only re-sends the code (at most one
// mail a minute and Policy.CodeMailsPerDay a day). A verified address gets
// a notice instead, within the same limits. The mails are sent by the
// mailer from the change this write causes.
//
// The password set here is only a proposal until the address is verified:
// Verify asks for the password again and keeps this one only if it is the
// same, so whoever signed up first, the mailbox owner or a stranger who
// knows the address, the account is verified with the password of the one
// who read the code.
func (s *Service) Register(ctx context.Context, email, password, name string) error {
	email, err := normalizeEmail(email)
	if err != nil {
		return err
	}
	if err := s.checkPassword(password); err != nil {
		return err
	}
	if name, err = todo.NormalizeName(name); err != nil {
		return err
	}
	hash, err := s.Hasher.HashContext(ctx, password)
	if err != nil {
		return err
	}
	for range maxRetries {
		u, err := s.Users.User(ctx, email)
		switch {
		case todo.ErrorCode(err) == todo.NotFound:
			err = s.create(ctx, email, name, hash)
			if todo.ErrorCode(err) == todo.Conflict {
				continue // registered meanwhile: treat as existing
			}
			return err
		case err != nil:
			return err
		}
		send, err := s.remail(ctx, u)
		if err != nil || !send {
			return err
		}
		err = s.Users.UpdateUser(ctx, u)
		if err != nil && storedNothing(err) {
			s.giveMail(ctx, email) // lost its race or failed: no mail for this take
		}
		if todo.ErrorCode(err) == todo.Conflict {
			continue
		}
		return err
	}
	return fmt.Errorf("account: register: too much contention on %q", email)
}

// create stores a new pending account with a fresh code, taking the code
// mail from the address's daily budget.
func (s *Service) create(ctx context.Context, email, name, hash string) error {
	took, err := s.mailAllowed(ctx, email)
	if err != nil {
		return err
	}
	nonce, err := s.Codes.NewNonce()
	if err != nil {
		return err
	}
	now := s.now()
	err = s.Users.CreateUser(ctx, &todo.User{
		ID: ulid.Make().String(), Email: email, Name: name, PasswordHash: hash,
		Status: todo.StatusPending, CodeNonce: nonce, CodeSentAt: now,
		CodeExpires: now.Add(s.Policy.CodeTTL), CreatedAt: now, UpdatedAt: now,
	})
	if took && err != nil && storedNothing(err) {
		s.giveMail(ctx, email) // lost its race or failed: no mail for this take
	}
	return err
}

// remail prepares u for the mail a repeated sign-up calls for: a new code
// for a pending account, a notice for a verified one. It reports false
// when no mail is due (within a minute of the last, or the day's budget
// spent); nothing else about u changes.
func (s *Service) remail(ctx context.Context, u *todo.User) (bool, error) {
	now := s.now()
	last := u.NoticeAt
	if u.Status == todo.StatusPending {
		last = u.CodeSentAt
	}
	if now.Sub(last) < s.Policy.ResendWindow {
		return false, nil
	}
	if ok, err := s.mailAllowed(ctx, u.Email); !ok || err != nil {
		return false, err
	}
	nonce, err := s.Codes.NewNonce()
	if err != nil {
		return false, err
	}
	if u.Status == todo.StatusPending {
		u.CodeNonce, u.CodeSentAt, u.CodeExpires = nonce, now, now.Add(s.Policy.CodeTTL)
	} else {
		u.NoticeNonce, u.NoticeAt = nonce, now
	}
	u.UpdatedAt = now
	return true, nil
}

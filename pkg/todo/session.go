package todo

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Session is one log-in session: the refresh token that keeps it
// alive is stored only as a hash, and each use rotates it. Access tokens
// carry the session's ID as "sid".
type Session struct {
	ID        string // random; the access token's "sid"
	UserID    string // owner; sessions are stored and listed by it
	Email     string // the owner's address (accounts are keyed by it), for the calls an access token authorises
	TokenHash string // SHA-256 (hex) of the live refresh token
	// PrevHash is the hash of the token the last rotation spent, and
	// RotatedAt when: presented again within the grace period (two tabs
	// refreshing at once) it gets the same new token, read from
	// NextSealed; later it means the token was stolen.
	PrevHash   string
	RotatedAt  time.Time
	NextSealed string // the live token, sealed (AES-GCM) for the grace period only; "" after it
	// SpentHashes are the hashes of the last MaxSpentHashes spent tokens,
	// newest first (PrevHash among them): one of them presented again
	// after the grace period is a stolen token; a token in neither list
	// was never issued and ends nothing.
	SpentHashes []string
	// CredGen is the owner's User.CredGen when the log-in read it: the
	// session lives only while the account still has that generation.
	CredGen    int64
	CreatedAt  time.Time
	LastUsedAt time.Time // the idle limit counts from here
	ExpiresAt  time.Time // the absolute limit; the store may drop the session after it
	ClientIP   string    // where the session was last used, for notices
	Version    int64     // optimistic-concurrency version, bumped by every write
}

// MaxSpentHashes bounds Session.SpentHashes.
const MaxSpentHashes = 8

// SessionStore keeps refresh sessions. Every method is scoped to one user;
// ending all of a user's sessions reads only that user's (a query by
// owner, never a table scan).
type SessionStore interface {
	// CreateSession stores a new session with Version 1, on condition
	// that the account of s.Email still has ID s.UserID and CredGen
	// s.CredGen. It returns a Conflict error if the account is gone or has
	// moved on (a password reset, change or deletion since the log-in read
	// it), or if the user has a session with that ID; either way no
	// session is left stored. So a log-in that read the old password can
	// never leave a session behind a reset that bumped the generation and
	// then deleted the user's sessions: either the create sees the bump, or
	// the session existed before DeleteSessions listed them.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the user's session, or a NotFound error; an expired
	// session may be reported as NotFound.
	Session(ctx context.Context, userID, id string) (*Session, error)
	// UpdateSession replaces the session if its stored Version still
	// equals s.Version, then sets s.Version to the new version. It returns
	// Conflict if the session changed in between and NotFound if it is
	// gone. Two concurrent rotations of one session: one wins, one gets
	// Conflict.
	UpdateSession(ctx context.Context, s *Session) error
	// DeleteSession removes the user's session; a missing one is not an
	// error.
	DeleteSession(ctx context.Context, userID, id string) error
	// DeleteSessions removes every session of the user (all of them, or
	// all but except when except is not ""), and returns how many went.
	DeleteSessions(ctx context.Context, userID, except string) (int, error)
}

// UserDeleter removes accounts.
type UserDeleter interface {
	// DeleteUser removes the account with that normalised address; a
	// missing one is not an error. The users table's stream reports it as
	// a change with no New image.
	DeleteUser(ctx context.Context, email string) error
}

// TodoPurger removes a user's whole list.
type TodoPurger interface {
	// DeleteTodos removes every todo of the user, reading only that user's
	// (a query by owner, never a table scan), and returns how many went.
	DeleteTodos(ctx context.Context, userID string) (int, error)
}

// CreateSessionChecked is CreateSession for an engine whose users and
// sessions cannot be written in one transaction: put stores rs (failing
// with a Conflict if its ID is taken), user reads rs's account (by
// rs.Email) with a strongly consistent read, and del removes rs again. If
// the account is gone or has another ID or credential generation than rs,
// the session is removed and the answer is ErrPasswordChanged; rs.Version
// is set to 1 only when the session stays.
//
// It is as safe as the transaction: a password reset, change or deletion
// bumps CredGen in its conditional user write BEFORE its DeleteSessions
// lists the user's sessions (both strongly consistent). If user ran after
// the bump, it sees it and the session goes here; if it ran before, put
// ran before too, so DeleteSessions finds the session and ends it. No token
// of the session leaves the log-in before this returns nil, and Refresh
// checks the generation again, so the moment the session is stored before
// the read serves nobody.
func CreateSessionChecked(rs *Session, put func() error, user func() (*User, error), del func() error) error {
	if err := put(); err != nil {
		return err
	}
	u, err := user()
	if err == nil && u.ID == rs.UserID && u.CredGen == rs.CredGen {
		rs.Version = 1
		return nil
	}
	if err != nil && ErrorCode(err) != NotFound {
		err = fmt.Errorf("create session: %w", err)
	} else {
		err = ErrPasswordChanged
	}
	if derr := del(); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}

package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Session limits (Policy's defaults): a session ends after SessionIdle
// without a refresh, and after SessionMax whatever happens; a refresh token
// presented again within ReuseGrace of its rotation gets the same new one.
const (
	defaultSessionIdle = 7 * 24 * time.Hour
	defaultSessionMax  = 30 * 24 * time.Hour
	reuseGrace         = 10 * time.Second
)

func unauthorizedRefresh() error {
	return todo.Errorf(todo.Unauthorized, "The session has ended; log in again.")
}

// refreshToken is "<user ID>.<session ID>.<secret>": the secret is 256
// random bits, and the store keeps only a hash of the whole token; the IDs
// only locate the session.
func newRefreshToken(userID, sid string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("account: refresh token: %w", err)
	}
	return userID + "." + sid + "." + base64.RawURLEncoding.EncodeToString(b), nil
}

func parseRefreshToken(token string) (userID, sid string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 256 || parts[0] == "" || parts[1] == "" || len(parts[2]) != 43 {
		return "", "", false
	}
	return parts[0], parts[1], true
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func sameHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("account: session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// startSession opens a session for u and returns its tokens. The session
// records u.CredGen, the generation the log-in read, and the store keeps
// it only if the account still has it: when a reset, change or deletion
// got there first (the log-in checked the old password), the answer is
// InvalidCredentials, as if the log-in had come a moment later, since the
// password it checked is no longer the account's.
func (s *Service) startSession(ctx context.Context, u *todo.User) (*todo.Tokens, error) {
	sid, err := newID()
	if err != nil {
		return nil, err
	}
	token, err := newRefreshToken(u.ID, sid)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rs := &todo.Session{ID: sid, UserID: u.ID, Email: u.Email, TokenHash: tokenHash(token),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.Policy.SessionMax), ClientIP: todo.ClientIP(ctx),
		CredGen: u.CredGen}
	err = s.Sessions.CreateSession(ctx, rs)
	if todo.ErrorCode(err) == todo.Conflict {
		return nil, invalidCredentials() // the password changed meanwhile (or, at odds of 2^-128, the session ID was taken)
	}
	if err != nil {
		return nil, err
	}
	return s.tokens(u, rs, token)
}

// tokens issues an access token for the session and returns it with the
// refresh token.
func (s *Service) tokens(u *todo.User, rs *todo.Session, refresh string) (*todo.Tokens, error) {
	if s.Tokens == nil {
		return nil, errors.New("account: this function holds no signing key (JWT_SIGNING_KEYS)")
	}
	access, exp, err := s.Tokens.Issue(rs.UserID, rs.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	refreshEnds := rs.LastUsedAt.Add(s.Policy.SessionIdle)
	if rs.ExpiresAt.Before(refreshEnds) {
		refreshEnds = rs.ExpiresAt
	}
	return &todo.Tokens{AccessToken: access, ExpiresIn: seconds(exp.Sub(now)), User: u,
		RefreshToken: refresh, RefreshExpiresIn: seconds(refreshEnds.Sub(now))}, nil
}

func seconds(d time.Duration) int { return int(d.Round(time.Second) / time.Second) }

// Refresh trades a refresh token for a new access token and a new refresh
// token; the one presented is spent. The same spent token presented again
// within ten seconds of its rotation (two tabs refreshing at once) gets the
// same new refresh token; presented later, it was stolen: the whole session
// ends, its owner is mailed a notice, and the answer is Unauthorized. Only
// a token the session really issued counts as stolen: one whose hash is
// the live one or among the session's last todo.MaxSpentHashes spent ones;
// any other token (a forgery naming the session's IDs, which every access
// token shows) is a plain Unauthorized that changes nothing and mails
// nothing. A session ends after Policy.SessionIdle without a refresh,
// after Policy.SessionMax, and as soon as its account is gone, belongs to
// a new account (another ID) or has another credential generation (a
// reset, change or deletion since the log-in): Refresh reads the account
// each time. Rotation is a conditional write, so two concurrent refreshes
// with one token never yield two live tokens.
func (s *Service) Refresh(ctx context.Context, token string) (*todo.Tokens, error) {
	userID, sid, ok := parseRefreshToken(token)
	if !ok {
		return nil, unauthorizedRefresh()
	}
	h := tokenHash(token)
	for range maxRetries {
		rs, err := s.Sessions.Session(ctx, userID, sid)
		if todo.ErrorCode(err) == todo.NotFound {
			return nil, unauthorizedRefresh()
		}
		if err != nil {
			return nil, err
		}
		now := s.now()
		live, spent := sameHash(h, rs.TokenHash), wasSpent(rs, h)
		switch {
		case !live && !spent:
			return nil, unauthorizedRefresh() // never issued: nothing ends
		case !now.Before(rs.ExpiresAt) || now.Sub(rs.LastUsedAt) >= s.Policy.SessionIdle:
			_ = s.Sessions.DeleteSession(ctx, userID, sid)
			return nil, unauthorizedRefresh()
		}
		if err := s.owner(ctx, rs); err != nil {
			return nil, err
		}
		switch {
		case live:
			out, err := s.rotate(ctx, rs, h)
			if todo.ErrorCode(err) == todo.Conflict {
				continue // a concurrent refresh rotated it: read again
			}
			return out, err
		case sameHash(h, rs.PrevHash) && now.Sub(rs.RotatedAt) <= reuseGrace && rs.NextSealed != "":
			next, err := s.Sealer.Open(rs.NextSealed)
			if err != nil {
				return nil, fmt.Errorf("account: refresh: %w", err)
			}
			return s.tokens(&todo.User{ID: rs.UserID, Email: rs.Email}, rs, next)
		default:
			return nil, s.reused(ctx, rs)
		}
	}
	return nil, fmt.Errorf("account: refresh: too much contention on session %s", sid)
}

// wasSpent reports whether h is the hash of a token the session issued and
// a rotation spent since.
func wasSpent(rs *todo.Session, h string) bool {
	if rs.PrevHash != "" && sameHash(h, rs.PrevHash) {
		return true
	}
	for _, old := range rs.SpentHashes {
		if sameHash(h, old) {
			return true
		}
	}
	return false
}

// owner returns nil if the session's account is still there with its ID
// and credential generation; else (gone, a new account, or a reset, change
// or deletion since the log-in) it deletes the session and returns
// Unauthorized.
func (s *Service) owner(ctx context.Context, rs *todo.Session) error {
	u, err := s.Users.User(ctx, rs.Email)
	if err != nil && todo.ErrorCode(err) != todo.NotFound {
		return err
	}
	if err != nil || u.ID != rs.UserID || u.CredGen != rs.CredGen {
		if err := s.Sessions.DeleteSession(ctx, rs.UserID, rs.ID); err != nil {
			return err
		}
		return unauthorizedRefresh()
	}
	return nil
}

// rotate spends the live token (hash h) and stores a new one; the spent
// hash goes first in the session's list of the last todo.MaxSpentHashes.
func (s *Service) rotate(ctx context.Context, rs *todo.Session, h string) (*todo.Tokens, error) {
	next, err := newRefreshToken(rs.UserID, rs.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rs.SpentHashes = append([]string{h}, rs.SpentHashes[:min(len(rs.SpentHashes), todo.MaxSpentHashes-1)]...)
	rs.PrevHash, rs.TokenHash, rs.RotatedAt, rs.LastUsedAt = h, tokenHash(next), now, now
	rs.NextSealed = s.Sealer.Seal(next)
	rs.ClientIP = todo.ClientIP(ctx)
	if err := s.Sessions.UpdateSession(ctx, rs); err != nil {
		return nil, err
	}
	return s.tokens(&todo.User{ID: rs.UserID, Email: rs.Email}, rs, next)
}

// reused ends a session whose spent refresh token came back after the
// grace period, and notes it on the account for the mailer.
func (s *Service) reused(ctx context.Context, rs *todo.Session) error {
	if err := s.Sessions.DeleteSession(ctx, rs.UserID, rs.ID); err != nil {
		return err
	}
	if err := s.notice(ctx, rs.Email, todo.NoticeTokenReuse); err != nil {
		return err
	}
	return unauthorizedRefresh()
}

// Logout ends the session sid of userID, or with global every session of
// the user.
func (s *Service) Logout(ctx context.Context, userID, sid string, global bool) error {
	if global {
		_, err := s.Sessions.DeleteSessions(ctx, userID, "")
		return err
	}
	return s.Sessions.DeleteSession(ctx, userID, sid)
}

// LogoutToken ends the session a refresh token belongs to, if the token is
// its live (or just spent) one; any other token changes nothing. Either
// way the answer is nil, so it tells nothing about the token.
func (s *Service) LogoutToken(ctx context.Context, token string) error {
	userID, sid, ok := parseRefreshToken(token)
	if !ok {
		return nil
	}
	rs, err := s.Sessions.Session(ctx, userID, sid)
	if todo.ErrorCode(err) == todo.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if h := tokenHash(token); sameHash(h, rs.TokenHash) || sameHash(h, rs.PrevHash) {
		return s.Sessions.DeleteSession(ctx, userID, sid)
	}
	return nil
}

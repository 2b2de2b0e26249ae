package account_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// loggedIn verifies email with pw and logs in once.
func (f *fixture) loggedIn(t *testing.T, email string) *todo.Tokens {
	t.Helper()
	f.verified(t, email, pw)
	return f.login(t, email, pw)
}

// login logs in and fails the test on an error.
func (f *fixture) login(t *testing.T, email, password string) *todo.Tokens {
	t.Helper()
	s, err := f.svc.Login(from("127.0.0.1"), email, password)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sessionOf reads the session a refresh token names; nil if it is gone.
func (f *fixture) sessionOf(t *testing.T, refresh string) *todo.Session {
	t.Helper()
	parts := strings.Split(refresh, ".")
	rs, err := f.store.Session(context.Background(), parts[0], parts[1])
	if todo.ErrorCode(err) == todo.NotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// refresh refreshes and fails the test on an error.
func (f *fixture) refresh(t *testing.T, token string) *todo.Tokens {
	t.Helper()
	s, err := f.svc.Refresh(context.Background(), token)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return s
}

// TestRefreshChecksTheAccount: a session ends at its next refresh once its
// account has another credential generation, is gone, or is another
// account (same address, new ID).
func TestRefreshChecksTheAccount(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, f *fixture, u *todo.User)
	}{
		{"new generation", func(t *testing.T, f *fixture, u *todo.User) {
			u.CredGen++
			if err := f.store.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}},
		{"account gone", func(t *testing.T, f *fixture, u *todo.User) {
			if err := f.store.DeleteUser(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
		}},
		{"another account", func(t *testing.T, f *fixture, u *todo.User) {
			if err := f.store.DeleteUser(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
			nu := *u
			nu.ID, nu.Version = "01KBNEWACCOUNT0000000000000", 0
			if err := f.store.CreateUser(ctx, &nu); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			s := f.loggedIn(t, "ann@example.com")
			next := f.refresh(t, s.RefreshToken) // the account is as the log-in read it
			tc.change(t, f, f.user(t, "ann@example.com"))
			// The spent token within the grace period is refused, and so
			// is the live one; the session goes.
			_, err := f.svc.Refresh(ctx, s.RefreshToken)
			wantCode(t, err, todo.Unauthorized)
			if f.sessionOf(t, next.RefreshToken) != nil {
				t.Fatal("the refused session is still stored")
			}
			_, err = f.svc.Refresh(ctx, next.RefreshToken)
			wantCode(t, err, todo.Unauthorized)
		})
	}
}

// TestRefreshForgedTokenEndsNothing is finding 4: a token naming a real
// session (its IDs are in every access token) with a secret the session
// never issued is a plain Unauthorized: the session lives on, and the
// owner gets no notice.
func TestRefreshForgedTokenEndsNothing(t *testing.T) {
	f := newFixture(t)
	s := f.loggedIn(t, "ann@example.com")
	before := f.user(t, "ann@example.com")
	parts := strings.Split(s.RefreshToken, ".")
	for _, secret := range []string{strings.Repeat("A", 43), strings.Repeat("_", 43), parts[2][:42] + "x"} {
		_, err := f.svc.Refresh(context.Background(), parts[0]+"."+parts[1]+"."+secret)
		wantCode(t, err, todo.Unauthorized)
	}
	f.clock.Add(time.Minute)
	_, err := f.svc.Refresh(context.Background(), parts[0]+"."+parts[1]+"."+strings.Repeat("B", 43))
	wantCode(t, err, todo.Unauthorized)
	if after := f.user(t, "ann@example.com"); after.NoticeNonce != before.NoticeNonce || after.Version != before.Version {
		t.Fatalf("a forged token changed the account: notice %q -> %q", before.NoticeNonce, after.NoticeNonce)
	}
	f.refresh(t, s.RefreshToken) // the owner's token still works
}

// TestRefreshReuseOfAnyRecentSpentToken: any of the session's last
// todo.MaxSpentHashes spent tokens, presented after the grace period,
// ends the session and notes the reuse notice; the list stays bounded.
func TestRefreshReuseOfAnyRecentSpentToken(t *testing.T) {
	for _, back := range []int{1, 3, todo.MaxSpentHashes} {
		f := newFixture(t)
		tokens := []string{f.loggedIn(t, "ann@example.com").RefreshToken}
		for range 12 {
			f.clock.Add(time.Minute)
			tokens = append(tokens, f.refresh(t, tokens[len(tokens)-1]).RefreshToken)
		}
		live := tokens[len(tokens)-1]
		if rs := f.sessionOf(t, live); len(rs.SpentHashes) != todo.MaxSpentHashes {
			t.Fatalf("after 12 rotations the session keeps %d spent hashes, want %d", len(rs.SpentHashes), todo.MaxSpentHashes)
		}
		// Spent longer ago than the list reaches: unknown, ends nothing.
		_, err := f.svc.Refresh(context.Background(), tokens[len(tokens)-1-todo.MaxSpentHashes-1])
		wantCode(t, err, todo.Unauthorized)
		if f.sessionOf(t, live) == nil {
			t.Fatal("a token older than the spent list ended the session")
		}
		before := f.user(t, "ann@example.com").NoticeNonce
		f.clock.Add(time.Minute)
		_, err = f.svc.Refresh(context.Background(), tokens[len(tokens)-1-back])
		wantCode(t, err, todo.Unauthorized)
		if f.sessionOf(t, live) != nil {
			t.Fatalf("the token spent %d rotations ago came back and the session lives on", back)
		}
		if u := f.user(t, "ann@example.com"); u.NoticeNonce == before || u.NoticeKind != todo.NoticeTokenReuse {
			t.Fatalf("reuse of the token spent %d rotations ago: notice %q (%s), want a new token-reuse notice", back, u.NoticeNonce, u.NoticeKind)
		}
	}
}

// staleLogin is a store on which a reset lands between a log-in's check
// and its CreateSession: the generation moves just before the create.
type staleLogin struct {
	*counting
	once sync.Once
}

func (s *staleLogin) CreateSession(ctx context.Context, rs *todo.Session) error {
	s.once.Do(func() {
		u, err := s.counting.Store.User(ctx, rs.Email)
		if err == nil {
			u.CredGen++
			err = s.counting.Store.UpdateUser(ctx, u)
		}
		if err != nil {
			panic(err)
		}
	})
	return s.counting.Store.CreateSession(ctx, rs)
}

// TestLoginLosingToAResetIsInvalidCredentials: a log-in whose password
// check read the generation a reset then replaced gets InvalidCredentials
// and leaves no session.
func TestLoginLosingToAResetIsInvalidCredentials(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	st := &staleLogin{counting: f.count}
	f.svc.Sessions = st
	_, err := f.svc.Login(from("127.0.0.1"), "ann@example.com", pw)
	wantCode(t, err, todo.InvalidCredentials)
	if n, err := f.store.DeleteSessions(context.Background(), f.user(t, "ann@example.com").ID, ""); err != nil || n != 0 {
		t.Fatalf("the refused log-in left %d sessions (%v)", n, err)
	}
	f.login(t, "ann@example.com", pw) // the next log-in reads the new generation
}

// TestChangePasswordKeepsOnlyTheCallersSession: the caller's session moves
// to the new generation and refreshes; every other one is refused.
func TestChangePasswordKeepsOnlyTheCallersSession(t *testing.T) {
	f := newFixture(t)
	mine := f.loggedIn(t, "ann@example.com")
	other := f.login(t, "ann@example.com", pw)
	c, err := f.verifier.Verify(mine.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	const pw2 = "second horse battery staple"
	if err := f.svc.ChangePassword(from("127.0.0.1"), c.UserID, c.SessionID, pw, pw2); err != nil {
		t.Fatal(err)
	}
	u := f.user(t, "ann@example.com")
	if rs := f.sessionOf(t, mine.RefreshToken); rs == nil || rs.CredGen != u.CredGen || u.CredGen != 1 {
		t.Fatalf("the caller's session after the change: %+v; the account's generation %d", rs, u.CredGen)
	}
	f.refresh(t, mine.RefreshToken)
	_, err = f.svc.Refresh(context.Background(), other.RefreshToken)
	wantCode(t, err, todo.Unauthorized)
}

// TestDeleteAccountPurgesAfterTheSessions: the deletion bumps the
// generation with its notice, and leaves no todo, session or account.
func TestDeleteAccountPurgesAfterTheSessions(t *testing.T) {
	f := newFixture(t)
	s := f.loggedIn(t, "ann@example.com")
	c, err := f.verifier.Verify(s.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.store.CreateTodo(ctx, &todo.Todo{ID: "01KB3R0J7PZ2W9QK8XH5M4N6TV", UserID: c.UserID, Title: "milk",
		CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteAccount(from("127.0.0.1"), c.UserID, c.SessionID, pw); err != nil {
		t.Fatal(err)
	}
	if f.sessionOf(t, s.RefreshToken) != nil {
		t.Fatal("the session outlived the account")
	}
	page, err := f.store.Todos(ctx, c.UserID, todo.TodoQuery{Limit: 10})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("after the deletion the list holds %d todos (%v)", len(page.Items), err)
	}
	_, err = f.svc.Refresh(ctx, s.RefreshToken)
	wantCode(t, err, todo.Unauthorized)
}

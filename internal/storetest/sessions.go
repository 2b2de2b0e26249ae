package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// sessionLife is the absolute lifetime the account service gives a session.
const sessionLife = 30 * 24 * time.Hour

// NewSession returns a live session of the user with every field set, for
// tests. Its ExpiresAt counts from the real clock, which the engines read.
func NewSession(userID string) *todo.Session {
	return &todo.Session{
		ID:         ulid.Make().String(),
		UserID:     userID,
		TokenHash:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		CreatedAt:  now,
		LastUsedAt: now,
		ExpiresAt:  time.Now().Add(sessionLife).Truncate(time.Millisecond),
		ClientIP:   "203.0.113.7",
		Email:      userID + "@example.com",
	}
}

// MustOwner creates, unless it exists, the account a session of rs's
// must belong to (CreateSession stores a session only for it): address
// rs.Email, ID rs.UserID, credential generation rs.CredGen.
func MustOwner(tb testing.TB, s todo.Store, rs *todo.Session) *todo.User {
	tb.Helper()
	ctx := context.Background()
	if u, err := s.User(ctx, rs.Email); err == nil {
		return u
	}
	u := NewUser(rs.Email)
	u.ID, u.CredGen, u.Status = rs.UserID, rs.CredGen, todo.StatusVerified
	if err := s.CreateUser(ctx, u); err != nil {
		tb.Fatalf("create the owner of a session: %v", err)
	}
	return u
}

// newOwnedSession is NewSession with its owner's account created.
func newOwnedSession(t *testing.T, s todo.Store, userID string) *todo.Session {
	t.Helper()
	rs := NewSession(userID)
	MustOwner(t, s, rs)
	return rs
}

// storedSession reads want's session back from s and fails t unless it
// equals want.
func storedSession(t *testing.T, ctx context.Context, s todo.Store, want *todo.Session) *todo.Session {
	t.Helper()
	got, err := s.Session(ctx, want.UserID, want.ID)
	mustNil(t, err)
	g, w := *got, *want
	for _, p := range []*time.Time{&g.RotatedAt, &g.CreatedAt, &g.LastUsedAt, &g.ExpiresAt,
		&w.RotatedAt, &w.CreatedAt, &w.LastUsedAt, &w.ExpiresAt} {
		*p = p.UTC()
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("session round trip:\n got %+v\nwant %+v", g, w)
	}
	return got
}

func testSessions(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	ann, bob := ulid.Make().String(), ulid.Make().String()

	rs := newOwnedSession(t, s, ann)
	rs.SpentHashes = []string{"a1", "b2", "c3"}
	mustNil(t, s.CreateSession(ctx, rs))
	wantVersion(t, "create", rs.Version, 1)
	dup := NewSession(ann)
	dup.ID = rs.ID
	wantCode(t, s.CreateSession(ctx, dup), todo.Conflict)
	got := storedSession(t, ctx, s, rs)

	// Another user's key reaches nothing, and a missing session is absent.
	_, err := s.Session(ctx, bob, rs.ID)
	wantCode(t, err, todo.NotFound)
	_, err = s.Session(ctx, ann, ulid.Make().String())
	wantCode(t, err, todo.NotFound)

	got.LastUsedAt = now.Add(time.Hour)
	got.ClientIP = "198.51.100.1"
	mustNil(t, s.UpdateSession(ctx, got))
	wantVersion(t, "update", got.Version, 2)
	storedSession(t, ctx, s, got)

	stale := *rs
	stale.ClientIP = "192.0.2.66"
	wantCode(t, s.UpdateSession(ctx, &stale), todo.Conflict)
	theft := *got
	theft.UserID = bob
	wantCode(t, s.UpdateSession(ctx, &theft), todo.NotFound)
	_, err = s.Session(ctx, bob, rs.ID)
	wantCode(t, err, todo.NotFound)

	mustNil(t, s.DeleteSession(ctx, bob, rs.ID)) // not Bob's: nothing happens
	storedSession(t, ctx, s, got)
	mustNil(t, s.DeleteSession(ctx, ann, rs.ID))
	mustNil(t, s.DeleteSession(ctx, ann, rs.ID))
	_, err = s.Session(ctx, ann, rs.ID)
	wantCode(t, err, todo.NotFound)
	wantCode(t, s.UpdateSession(ctx, got), todo.NotFound)
}

// testSessionsExpiry: a session past its absolute limit reads as NotFound
// (the idle limit is the caller's to check, from LastUsedAt).
func testSessionsExpiry(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	old := newOwnedSession(t, s, uid)
	old.ExpiresAt = time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	mustNil(t, s.CreateSession(ctx, old))
	_, err := s.Session(ctx, uid, old.ID)
	wantCode(t, err, todo.NotFound)

	idle := NewSession(uid)
	idle.LastUsedAt = now.Add(-90 * 24 * time.Hour)
	mustNil(t, s.CreateSession(ctx, idle))
	storedSession(t, ctx, s, idle)
}

func testSessionsConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	rs := newOwnedSession(t, s, ulid.Make().String())
	mustNil(t, s.CreateSession(ctx, rs))
	errs := race(8, func(i int) error {
		c := *rs
		c.TokenHash = fmt.Sprintf("hash-%d", i)
		return s.UpdateSession(ctx, &c)
	})
	wantOneWinner(t, errs, "UpdateSession", "concurrent rotations from one version won")
}

// rotate does to rs what the account service does on a refresh: the live
// token becomes the previous one and a new one is sealed for the grace
// period.
func rotate(rs *todo.Session, newHash string, at time.Time) {
	rs.SpentHashes = append([]string{rs.TokenHash}, rs.SpentHashes...)
	rs.PrevHash, rs.TokenHash = rs.TokenHash, newHash
	rs.RotatedAt, rs.LastUsedAt = at, at
	rs.NextSealed = "sealed:" + newHash
}

func testSessionsRotation(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	rs := newOwnedSession(t, s, ulid.Make().String())
	mustNil(t, s.CreateSession(ctx, rs))

	first, err := s.Session(ctx, rs.UserID, rs.ID)
	mustNil(t, err)
	second := *first // a second tab read the same version
	rotate(first, "hash-2", now.Add(time.Minute))
	mustNil(t, s.UpdateSession(ctx, first))
	wantVersion(t, "rotation", first.Version, 2)
	storedSession(t, ctx, s, first)

	rotate(&second, "hash-3", now.Add(time.Minute))
	wantCode(t, s.UpdateSession(ctx, &second), todo.Conflict)
	got := storedSession(t, ctx, s, first)
	if got.PrevHash != rs.TokenHash || got.TokenHash != "hash-2" {
		t.Fatalf("after the lost rotation the session holds %+v", got)
	}

	// The grace period ends: the sealed token is dropped.
	got.NextSealed = ""
	mustNil(t, s.UpdateSession(ctx, got))
	storedSession(t, ctx, s, got)
}

func testDeleteSessions(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	ann, bob := ulid.Make().String(), ulid.Make().String()
	var anns, bobs []*todo.Session
	for range 5 {
		a, b := newOwnedSession(t, s, ann), newOwnedSession(t, s, bob)
		mustNil(t, s.CreateSession(ctx, a))
		mustNil(t, s.CreateSession(ctx, b))
		anns, bobs = append(anns, a), append(bobs, b)
	}
	gone := NewSession(ann)
	gone.ExpiresAt = time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	mustNil(t, s.CreateSession(ctx, gone))

	keep := anns[2]
	n, err := s.DeleteSessions(ctx, ann, keep.ID)
	mustNil(t, err)
	if n != 4 {
		t.Fatalf("DeleteSessions(except one of 5 live and 1 expired) = %d, want 4", n)
	}
	for _, a := range anns {
		if a != keep {
			_, err := s.Session(ctx, ann, a.ID)
			wantCode(t, err, todo.NotFound)
		}
	}
	storedSession(t, ctx, s, keep)
	for _, b := range bobs {
		storedSession(t, ctx, s, b)
	}

	n, err = s.DeleteSessions(ctx, ann, "")
	mustNil(t, err)
	if n != 1 {
		t.Fatalf("DeleteSessions(all) = %d, want 1", n)
	}
	_, err = s.Session(ctx, ann, keep.ID)
	wantCode(t, err, todo.NotFound)
	n, err = s.DeleteSessions(ctx, ann, "")
	if err != nil || n != 0 {
		t.Fatalf("DeleteSessions of no sessions = %d, %v; want 0, nil", n, err)
	}
	storedSession(t, ctx, s, bobs[0])
}

func testDeleteTodos(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	ann, bob := ulid.Make().String(), ulid.Make().String()
	const n = 30 // more than one DynamoDB batch of 25
	for i := range n {
		mustNil(t, s.CreateTodo(ctx, NewTodo(ann, fmt.Sprintf("todo %02d", i), time.Duration(i)*time.Second)))
	}
	for i := range 2 {
		mustNil(t, s.CreateTodo(ctx, NewTodo(bob, "Bob's", time.Duration(i)*time.Second)))
	}
	got, err := s.DeleteTodos(ctx, ann)
	mustNil(t, err)
	if got != n {
		t.Fatalf("DeleteTodos = %d, want %d", got, n)
	}
	page, err := s.Todos(ctx, ann, todo.TodoQuery{Limit: 100})
	mustNil(t, err)
	if len(page.Items) != 0 {
		t.Fatalf("after DeleteTodos Ann's list holds %d todos", len(page.Items))
	}
	page, err = s.Todos(ctx, bob, todo.TodoQuery{Limit: 100})
	mustNil(t, err)
	if len(page.Items) != 2 {
		t.Fatalf("Ann's purge left Bob %d todos, want 2", len(page.Items))
	}
	got, err = s.DeleteTodos(ctx, ann)
	if err != nil || got != 0 {
		t.Fatalf("DeleteTodos of an empty list = %d, %v; want 0, nil", got, err)
	}
}

func testDeleteUser(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	// Addresses of their own: a live run shares one store across the suite.
	u := NewUser("deleted@example.com")
	mustNil(t, s.CreateUser(ctx, u))
	other := NewUser("kept@example.com")
	mustNil(t, s.CreateUser(ctx, other))

	mustNil(t, s.DeleteUser(ctx, u.Email))
	_, err := s.User(ctx, u.Email)
	wantCode(t, err, todo.NotFound)
	mustNil(t, s.DeleteUser(ctx, u.Email))
	storedUser(t, ctx, s, other)

	// The address is free again.
	again := NewUser(u.Email)
	mustNil(t, s.CreateUser(ctx, again))
	wantVersion(t, "create after delete", again.Version, 1)
}

// testSessionsCredGen: a session is stored only for the account that still
// has the session's user ID and credential generation; else Conflict, and
// nothing stays stored.
func testSessionsCredGen(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	rs := NewSession(uid)
	rs.CredGen = 7
	u := MustOwner(t, s, rs)
	storedUser(t, ctx, s, u) // CredGen round-trips on the account
	mustNil(t, s.CreateSession(ctx, rs))
	storedSession(t, ctx, s, rs) // and on the session

	for _, tc := range []struct {
		name string
		edit func(rs *todo.Session)
	}{
		{"stale generation", func(rs *todo.Session) { rs.CredGen = 6 }},
		{"newer generation", func(rs *todo.Session) { rs.CredGen = 8 }},
		{"another account's ID", func(rs *todo.Session) { rs.UserID = ulid.Make().String() }},
		{"no account", func(rs *todo.Session) { rs.Email = ulid.Make().String() + "@example.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewSession(uid)
			c.CredGen = 7
			tc.edit(c)
			wantCode(t, s.CreateSession(ctx, c), todo.Conflict)
			_, err := s.Session(ctx, c.UserID, c.ID)
			wantCode(t, err, todo.NotFound)
		})
	}

	// A bump makes the next create of the old generation a Conflict.
	u, err := s.User(ctx, rs.Email)
	mustNil(t, err)
	u.CredGen++
	mustNil(t, s.UpdateUser(ctx, u))
	late := NewSession(uid)
	late.CredGen = 7
	wantCode(t, s.CreateSession(ctx, late), todo.Conflict)
	late.CredGen = 8
	mustNil(t, s.CreateSession(ctx, late))
}

// testSessionsCredGenRace races log-ins of the old generation (creators
// that keep calling CreateSession until one is refused) against what a
// password reset does (bump the generation, then DeleteSessions), round
// after round: no session of the old generation may be left. The bump
// starts once a few sessions exist, so creates run before, during and
// after it; the test counts those that overlapped the bump and the
// deletion.
func testSessionsCredGenRace(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	const rounds, creators, maxEach, head = 10, 6, 5000, 12
	overlapped, refused := 0, 0
	type attempt struct {
		rs         *todo.Session
		start, end time.Time
		err        error
	}
	for round := range rounds {
		uid := ulid.Make().String()
		owner := MustOwner(t, s, NewSession(uid))
		var (
			mu    sync.Mutex
			tries []attempt
			first = make(chan struct{}) // closed at the head-th session
			once  sync.Once
			n     atomic.Int32
			wg    sync.WaitGroup
		)
		for range creators {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer once.Do(func() { close(first) })
				for range maxEach {
					rs := NewSession(uid)
					rs.Email = owner.Email
					start := time.Now()
					err := s.CreateSession(ctx, rs)
					mu.Lock()
					tries = append(tries, attempt{rs, start, time.Now(), err})
					mu.Unlock()
					if err != nil {
						return // refused (the bump) or failed: this creator is done
					}
					if n.Add(1) >= head {
						once.Do(func() { close(first) })
					}
				}
			}()
		}
		<-first
		bumpStart := time.Now()
		u, err := s.User(ctx, owner.Email)
		mustNil(t, err)
		u.CredGen++
		mustNil(t, s.UpdateUser(ctx, u))
		_, err = s.DeleteSessions(ctx, uid, "")
		mustNil(t, err)
		bumpEnd := time.Now()
		wg.Wait()
		for _, a := range tries {
			switch todo.ErrorCode(a.err) {
			case "":
			case todo.Conflict:
				refused++
			default:
				t.Fatalf("round %d: CreateSession: %v", round, a.err)
			}
			if a.start.Before(bumpEnd) && a.end.After(bumpStart) {
				overlapped++
			}
			if _, err := s.Session(ctx, uid, a.rs.ID); todo.ErrorCode(err) != todo.NotFound {
				t.Fatalf("round %d: a session of the old generation survived the bump and DeleteSessions (%v)", round, err)
			}
		}
	}
	if refused < rounds*creators {
		t.Fatalf("%d creates refused in %d rounds, want every creator (%d) refused each round", refused, rounds, creators)
	}
	t.Logf("%d rounds: %d creates overlapped the bump and the deletion, %d refused; no session survived", rounds, overlapped, refused)
}

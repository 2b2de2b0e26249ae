package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// sessionLife is the absolute lifetime the account service gives a session.
const sessionLife = 30 * 24 * time.Hour

// NewSession returns a live session of the user with every field set, for
// tests. Its ExpiresAt counts from the real clock, which the engines read.
func NewSession(userID string) *todo.RefreshSession {
	return &todo.RefreshSession{
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

// storedSession reads want's session back from s and fails t unless it
// equals want.
func storedSession(t *testing.T, ctx context.Context, s todo.Store, want *todo.RefreshSession) *todo.RefreshSession {
	t.Helper()
	got, err := s.Session(ctx, want.UserID, want.ID)
	mustNil(t, err)
	g, w := *got, *want
	for _, p := range []*time.Time{&g.RotatedAt, &g.CreatedAt, &g.LastUsedAt, &g.ExpiresAt,
		&w.RotatedAt, &w.CreatedAt, &w.LastUsedAt, &w.ExpiresAt} {
		*p = p.UTC()
	}
	if g != w {
		t.Fatalf("session round trip:\n got %+v\nwant %+v", g, w)
	}
	return got
}

func testSessions(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	ann, bob := ulid.Make().String(), ulid.Make().String()

	rs := NewSession(ann)
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
	s, ctx := open(t), context.Background()
	uid := ulid.Make().String()
	old := NewSession(uid)
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
	s, ctx := open(t), context.Background()
	rs := NewSession(ulid.Make().String())
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
func rotate(rs *todo.RefreshSession, newHash string, at time.Time) {
	rs.PrevHash, rs.TokenHash = rs.TokenHash, newHash
	rs.RotatedAt, rs.LastUsedAt = at, at
	rs.NextSealed = "sealed:" + newHash
}

func testSessionsRotation(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	rs := NewSession(ulid.Make().String())
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
	s, ctx := open(t), context.Background()
	ann, bob := ulid.Make().String(), ulid.Make().String()
	var anns, bobs []*todo.RefreshSession
	for range 5 {
		a, b := NewSession(ann), NewSession(bob)
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
	s, ctx := open(t), context.Background()
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
	s, ctx := open(t), context.Background()
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

package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// NewUser returns a pending user with every field set, for tests.
func NewUser(email string) *todo.User {
	return &todo.User{
		ID:           ulid.Make().String(),
		Email:        email,
		Name:         "Ann Example",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
		Status:       todo.StatusPending,
		CodeNonce:    "nonce-1",
		CodeSentAt:   now,
		CodeExpires:  now.Add(15 * time.Minute),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
}

func sameUser(t *testing.T, got, want *todo.User) {
	t.Helper()
	g, w := *got, *want
	for _, p := range []*time.Time{&g.CodeSentAt, &g.CodeExpires, &g.NoticeAt, &g.CreatedAt, &g.UpdatedAt, &g.VerifiedAt,
		&w.CodeSentAt, &w.CodeExpires, &w.NoticeAt, &w.CreatedAt, &w.UpdatedAt, &w.VerifiedAt} {
		*p = p.UTC()
	}
	if g != w {
		t.Fatalf("user round trip:\n got %+v\nwant %+v", g, w)
	}
}

func testUsers(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()

	_, err := s.User(ctx, "nobody@example.com")
	wantCode(t, err, todo.NotFound)

	u := NewUser("ann@example.com")
	mustNil(t, s.CreateUser(ctx, u))
	if u.Version != 1 {
		t.Fatalf("Version after create = %d, want 1", u.Version)
	}
	got, err := s.User(ctx, "ann@example.com")
	mustNil(t, err)
	sameUser(t, got, u)

	dup := NewUser("ann@example.com")
	wantCode(t, s.CreateUser(ctx, dup), todo.Conflict)

	// An update with the current version wins and bumps it.
	got.Status = todo.StatusVerified
	got.VerifiedAt = now.Add(time.Minute)
	got.CodeAttempts = 2
	got.NoticeNonce = "notice-1"
	got.NoticeAt = now.Add(2 * time.Minute)
	mustNil(t, s.UpdateUser(ctx, got))
	if got.Version != 2 {
		t.Fatalf("Version after update = %d, want 2", got.Version)
	}
	again, err := s.User(ctx, "ann@example.com")
	mustNil(t, err)
	sameUser(t, again, got)

	// An update based on the old version is refused: no lost update.
	stale := *u
	stale.Name = "Stale"
	wantCode(t, s.UpdateUser(ctx, &stale), todo.Conflict)
	after, err := s.User(ctx, "ann@example.com")
	mustNil(t, err)
	if after.Name != "Ann Example" || after.Status != todo.StatusVerified {
		t.Fatalf("stale update changed the user: %+v", after)
	}

	// Updating a missing user does not create it.
	ghost := NewUser("ghost@example.com")
	ghost.Version = 1
	if err := s.UpdateUser(ctx, ghost); err == nil {
		t.Fatal("UpdateUser of a missing user succeeded")
	}
	_, err = s.User(ctx, "ghost@example.com")
	wantCode(t, err, todo.NotFound)
}

func testUsersConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateUser(ctx, NewUser("race@example.com"))
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch todo.ErrorCode(err) {
		case "":
			created++
		case todo.Conflict:
		default:
			t.Fatalf("concurrent CreateUser: %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d concurrent registrations created an account, want exactly 1", created)
	}

	// Concurrent updates from the same version: exactly one wins.
	base, err := s.User(ctx, "race@example.com")
	mustNil(t, err)
	wins := 0
	var mu sync.Mutex
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := *base
			u.Name = fmt.Sprintf("writer %d", i)
			err := s.UpdateUser(ctx, &u)
			mu.Lock()
			defer mu.Unlock()
			switch todo.ErrorCode(err) {
			case "":
				wins++
			case todo.Conflict:
			default:
				t.Errorf("concurrent UpdateUser: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent updates from one version won, want exactly 1", wins)
	}
}

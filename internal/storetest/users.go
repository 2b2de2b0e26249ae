package storetest

import (
	"context"
	"fmt"
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

// storedUser reads want's account back from s by its email and fails t
// unless it equals want.
func storedUser(t *testing.T, ctx context.Context, s todo.Store, want *todo.User) *todo.User {
	t.Helper()
	got, err := s.User(ctx, want.Email)
	mustNil(t, err)
	g, w := *got, *want
	for _, p := range []*time.Time{&g.CodeSentAt, &g.CodeExpires, &g.NoticeAt, &g.CreatedAt, &g.UpdatedAt, &g.VerifiedAt,
		&w.CodeSentAt, &w.CodeExpires, &w.NoticeAt, &w.CreatedAt, &w.UpdatedAt, &w.VerifiedAt} {
		*p = p.UTC()
	}
	if g != w {
		t.Fatalf("user round trip:\n got %+v\nwant %+v", g, w)
	}
	return got
}

func testUsers(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()

	_, err := s.User(ctx, "nobody@example.com")
	wantCode(t, err, todo.NotFound)

	u := NewUser("ann@example.com")
	mustNil(t, s.CreateUser(ctx, u))
	wantVersion(t, "create", u.Version, 1)
	got := storedUser(t, ctx, s, u)

	dup := NewUser("ann@example.com")
	wantCode(t, s.CreateUser(ctx, dup), todo.Conflict)

	// An update with the current version wins and bumps it.
	got.Status = todo.StatusVerified
	got.VerifiedAt = now.Add(time.Minute)
	got.NoticeNonce = "notice-1"
	got.NoticeAt = now.Add(2 * time.Minute)
	got.AlertNonce = "alert-1"
	got.AlertAt = now.Add(3 * time.Minute)
	got.NoticeKind, got.NoticeIP = todo.NoticePasswordChanged, "192.0.2.7"
	got.ResetNonce, got.ResetSentAt, got.ResetExpires = "reset-1", now.Add(4*time.Minute), now.Add(19*time.Minute)
	mustNil(t, s.UpdateUser(ctx, got))
	wantVersion(t, "update", got.Version, 2)
	storedUser(t, ctx, s, got)

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
	s, ctx := open(t, nil), context.Background()
	const n = 8
	errs := race(n, func(int) error { return s.CreateUser(ctx, NewUser("race@example.com")) })
	wantOneWinner(t, errs, "CreateUser", "concurrent registrations created an account")

	// Concurrent updates from the same version: exactly one wins.
	base, err := s.User(ctx, "race@example.com")
	mustNil(t, err)
	errs = race(n, func(i int) error {
		u := *base
		u.Name = fmt.Sprintf("writer %d", i)
		return s.UpdateUser(ctx, &u)
	})
	wantOneWinner(t, errs, "UpdateUser", "concurrent updates from one version won")
}

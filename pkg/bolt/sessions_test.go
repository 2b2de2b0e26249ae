package bolt_test

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

func TestSweepSessions(t *testing.T) {
	s := MustOpen(t, bolt.Options{})
	ctx := context.Background()
	live, old := storetest.NewSession("ann"), storetest.NewSession("ann")
	old.ExpiresAt = time.Now().Add(-time.Second)
	storetest.MustOwner(t, s, live)
	for _, rs := range []*todo.Session{live, old} {
		if err := s.CreateSession(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.SweepSessions(time.Now())
	if err != nil || n != 1 {
		t.Fatalf("SweepSessions = %d, %v; want 1 removed", n, err)
	}
	if _, err := s.Session(ctx, "ann", live.ID); err != nil {
		t.Fatalf("SweepSessions removed a live session: %v", err)
	}
	// The expired session's key is free again only once it is swept.
	old.ExpiresAt = time.Now().Add(time.Hour)
	if err := s.CreateSession(ctx, old); err != nil {
		t.Fatalf("CreateSession after the sweep: %v", err)
	}
}

func TestDeleteUserFeedsRemoval(t *testing.T) {
	s := MustOpen(t, bolt.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := storetest.NewUser("ann@example.com")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.Email); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.Email); err != nil { // nothing to remove, nothing fed
		t.Fatal(err)
	}
	got := make(chan todo.UserChange, 4)
	go func() {
		_ = s.Follow(ctx, func(_ context.Context, c todo.UserChange) error {
			got <- c
			return nil
		}, bolt.FollowOptions{Poll: time.Millisecond})
	}()
	var changes []todo.UserChange
	for len(changes) < 2 {
		select {
		case c := <-got:
			changes = append(changes, c)
		case <-time.After(5 * time.Second):
			t.Fatalf("changes delivered: %+v, want 2", changes)
		}
	}
	if rm := changes[1]; rm.New != nil || rm.Old == nil || rm.Old.Email != u.Email || rm.Old.Version != 1 {
		t.Fatalf("removal change = %+v, want Old only", rm)
	}
	select {
	case c := <-got:
		t.Fatalf("a change for deleting a missing account: %+v", c)
	case <-time.After(50 * time.Millisecond):
	}
}

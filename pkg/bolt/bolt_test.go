package bolt_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// MustOpen opens a store in t.TempDir and closes it in t.Cleanup.
func MustOpen(tb testing.TB, opts bolt.Options) *bolt.Store {
	tb.Helper()
	s, err := bolt.Open(filepath.Join(tb.TempDir(), "todofn.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store { return MustOpen(t, bolt.Options{Now: now}) })
}

func TestConformanceShared(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store {
		return MustOpen(t, bolt.Options{Shared: true, Now: now})
	})
}

func TestSharedFileTwoHandles(t *testing.T) {
	// Two Store values on one file in shared mode stand for two processes.
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := bolt.Open(path, bolt.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(path, bolt.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.CreateUser(ctx, storetest.NewUser("ann@example.com")); err != nil {
		t.Fatal(err)
	}
	u, err := b.User(ctx, "ann@example.com")
	if err != nil || u.Email != "ann@example.com" {
		t.Fatalf("other handle reads %+v, %v", u, err)
	}
}

func TestFollowDeliversInOrderAndRetries(t *testing.T) {
	s := MustOpen(t, bolt.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	u := storetest.NewUser("ann@example.com")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.Name = "Ann B."
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var got []todo.UserChange
	failOnce := true
	done := make(chan struct{})
	var errs []error
	go func() {
		_ = s.Follow(ctx, func(_ context.Context, c todo.UserChange) error {
			mu.Lock()
			defer mu.Unlock()
			if failOnce {
				failOnce = false
				return errors.New("smtp down")
			}
			got = append(got, c)
			if len(got) == 3 {
				close(done)
			}
			return nil
		}, bolt.FollowOptions{Retry: time.Millisecond, Poll: time.Millisecond, OnError: func(_ uint64, err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}})
	}()
	// A change made while following is delivered too.
	u.Name = "Ann C."
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("changes not delivered")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 {
		t.Fatalf("errors reported = %v, want the one failure", errs)
	}
	if got[0].Old != nil || got[0].New.Name != "Ann Example" {
		t.Fatalf("first change = %+v, want the insert (retried after the failure)", got[0])
	}
	if got[1].Old.Name != "Ann Example" || got[1].New.Name != "Ann B." || got[2].New.Name != "Ann C." {
		t.Fatalf("changes out of order: %+v %+v", got[1], got[2])
	}
}

func TestSweep(t *testing.T) {
	s := MustOpen(t, bolt.Options{})
	ctx := context.Background()
	if _, _, err := s.Claim(ctx, "old", "v", time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Claim(ctx, "new", "v", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, th := range []*todo.Throttle{
		{Key: "old", Failures: 1, Expires: time.Now().Add(-time.Minute)},
		{Key: "new", Failures: 1, Expires: time.Now().Add(time.Hour)},
	} {
		if err := s.PutThrottle(ctx, th); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Sweep(time.Now())
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 removed (an expired claim and counter)", n, err)
	}
	if _, err := s.Throttle(ctx, "new"); err != nil {
		t.Fatalf("Sweep removed a live counter: %v", err)
	}
	if _, fresh, _ := s.Claim(ctx, "new", "w", time.Now().Add(time.Hour)); fresh {
		t.Fatal("Sweep removed a live claim")
	}
}

package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

func testClaims(t *testing.T, open Opener) {
	t.Run("Settle", func(t *testing.T) { testSettle(t, open) })
	s, ctx := open(t, nil), context.Background()
	future := time.Now().Add(time.Hour)

	held, fresh, err := s.Claim(ctx, "idem:u1:k1", "todo-1", future)
	mustNil(t, err)
	if !fresh || held != "todo-1" {
		t.Fatalf("first claim = %q, %v; want todo-1, fresh", held, fresh)
	}
	held, fresh, err = s.Claim(ctx, "idem:u1:k1", "todo-2", future)
	mustNil(t, err)
	if fresh || held != "todo-1" {
		t.Fatalf("second claim = %q, %v; want todo-1, not fresh", held, fresh)
	}

	mustNil(t, s.Release(ctx, "idem:u1:k1"))
	mustNil(t, s.Release(ctx, "idem:u1:k1")) // releasing twice is fine
	held, fresh, err = s.Claim(ctx, "idem:u1:k1", "todo-3", future)
	mustNil(t, err)
	if !fresh || held != "todo-3" {
		t.Fatalf("claim after release = %q, %v; want todo-3, fresh", held, fresh)
	}

	// An expired claim no longer holds its key.
	_, _, err = s.Claim(ctx, "mail:n1", "a", time.Now().Add(-time.Minute))
	mustNil(t, err)
	held, fresh, err = s.Claim(ctx, "mail:n1", "b", future)
	mustNil(t, err)
	if !fresh || held != "b" {
		t.Fatalf("claim over an expired one = %q, %v; want b, fresh", held, fresh)
	}

	// Racing claims: exactly one is fresh, and all see its value.
	const n = 8
	results := make([]string, n)
	freshCount := make([]bool, n)
	errs := race(n, func(i int) error {
		h, f, err := s.Claim(ctx, "race", fmt.Sprint(i), future)
		results[i], freshCount[i] = h, f
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent Claim: %v", err)
		}
	}
	winners := 0
	for i := range n {
		if freshCount[i] {
			winners++
		}
		if results[i] != results[0] {
			t.Fatalf("claims disagree on the holder: %v", results)
		}
	}
	if winners != 1 {
		t.Fatalf("%d racing claims were fresh, want 1", winners)
	}
}

// testSettle checks the conditional replace: only the value that holds an
// unexpired claim can settle it, once, and a settled claim holds its key.
func testSettle(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	future := time.Now().Add(time.Hour)
	past := time.Now().Add(-time.Minute)

	_, fresh, err := s.Claim(ctx, "mail:code:n1", "sending:a", time.Now().Add(2*time.Minute))
	mustNil(t, err)
	if !fresh {
		t.Fatal("first claim not fresh")
	}
	refused := []struct {
		name, key, from string
	}{
		{"another value", "mail:code:n1", "sending:b"},
		{"a missing key", "mail:code:none", "sending:a"},
	}
	for _, tt := range refused {
		wantCode(t, s.Settle(ctx, tt.key, tt.from, "sent", future), todo.Conflict)
	}
	held, fresh, err := s.Claim(ctx, "mail:code:n1", "sending:c", future)
	mustNil(t, err)
	if fresh || held != "sending:a" {
		t.Fatalf("claim after refused settles = %q, %v; want sending:a, not fresh", held, fresh)
	}

	mustNil(t, s.Settle(ctx, "mail:code:n1", "sending:a", "sent", future))
	held, fresh, err = s.Claim(ctx, "mail:code:n1", "sending:d", future)
	mustNil(t, err)
	if fresh || held != "sent" {
		t.Fatalf("claim after settle = %q, %v; want sent, not fresh", held, fresh)
	}
	// The old value no longer settles: a second settle from it is refused.
	wantCode(t, s.Settle(ctx, "mail:code:n1", "sending:a", "sent", future), todo.Conflict)

	// An expired claim cannot be settled, not even by its own value.
	_, _, err = s.Claim(ctx, "mail:code:n2", "sending:a", past)
	mustNil(t, err)
	wantCode(t, s.Settle(ctx, "mail:code:n2", "sending:a", "sent", future), todo.Conflict)

	// Settling to a past expiry releases the claim, but only the holder's.
	_, _, err = s.Claim(ctx, "mail:code:n3", "sending:a", future)
	mustNil(t, err)
	wantCode(t, s.Settle(ctx, "mail:code:n3", "sending:b", "released", past), todo.Conflict)
	mustNil(t, s.Settle(ctx, "mail:code:n3", "sending:a", "released", past))
	held, fresh, err = s.Claim(ctx, "mail:code:n3", "sending:e", future)
	mustNil(t, err)
	if !fresh || held != "sending:e" {
		t.Fatalf("claim after a settle to the past = %q, %v; want sending:e, fresh", held, fresh)
	}

	// Racing settles from the same value: exactly one wins.
	errs := race(8, func(i int) error { return s.Settle(ctx, "mail:code:n3", "sending:e", fmt.Sprint("sent-", i), future) })
	wantOneWinner(t, errs, "Settle", "settles won")
}

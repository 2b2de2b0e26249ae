package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func testClaims(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
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

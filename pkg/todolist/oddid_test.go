package todolist_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/todolist"
)

// claimLog is a claim store that notes the expiry of every claim it is
// asked to write.
type claimLog struct {
	todo.ClaimStore
	mu      sync.Mutex
	expires map[string]time.Time
}

func (c *claimLog) note(key string, exp time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp.After(c.expires[key]) {
		c.expires[key] = exp
	}
}

func (c *claimLog) Claim(ctx context.Context, key, value string, exp time.Time) (string, bool, error) {
	c.note(key, exp)
	return c.ClaimStore.Claim(ctx, key, value, exp)
}

func (c *claimLog) Settle(ctx context.Context, key, from, to string, exp time.Time) error {
	c.note(key, exp)
	return c.ClaimStore.Settle(ctx, key, from, to, exp)
}

// idAt is a ULID dated t.
func idAt(t time.Time) string { return ulid.MustNew(ulid.Timestamp(t), ulid.DefaultEntropy()).String() }

// TestOddIDsNameNoTodo is issue 15's finding 7: an ID that is not a ULID,
// or one dated later than the clock allows (the largest ULID is dated in
// the year 10889, which the embedded store could not encode), names no
// todo: PATCH and DELETE answer NotFound, and no delete leaves a mark that
// outlives the Idempotency-Keys it guards (now + IdempotencyTTL + 1 h),
// whatever the ID's date.
func TestOddIDsNameNoTodo(t *testing.T) {
	f := newFixture(t, 0, limit.Budget{})
	log := &claimLog{ClaimStore: f.store, expires: map[string]time.Time{}}
	f.svc.Claims = log
	ctx := context.Background()
	now := f.clock.Now()
	real := f.mustAdd(t, "ann", "Buy milk", "")
	for _, tc := range []struct {
		name, id, want string
	}{
		{"the largest ULID", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", todo.NotFound},
		{"past the largest ULID", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", todo.NotFound},
		{"the year 9000", idAt(time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)), todo.NotFound},
		{"two hours ahead", idAt(now.Add(2 * time.Hour)), todo.NotFound},
		{"the zero ULID (1970)", "00000000000000000000000000", todo.NotFound},
		{"far past", idAt(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)), todo.NotFound},
		{"unknown, half an hour ahead", idAt(now.Add(30 * time.Minute)), todo.NotFound},
		{"unknown, now", idAt(now), todo.NotFound},
		{"another owner's todo in lower case", strings.ToLower(real.ID), todo.NotFound},
		{"Crockford-invalid U", "01ARZ3NDEKTSV4RRFFQ69G5FAU", todo.NotFound},
		{"Crockford-invalid I, L, O", "01ARZ3NDEKTSV4RRFFQ69G5ILO", todo.NotFound},
		{"too short", "01ARZ3NDEKTSV4RRFFQ69G5FA", todo.NotFound},
		{"too long", "01ARZ3NDEKTSV4RRFFQ69G5FAVV", todo.NotFound},
		{"empty", "", todo.NotFound},
		{"not ASCII", "01ARZ3NDEKTSV4RRFFQ69G5FÄ", todo.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Update(ctx, "bob", tc.id, todo.TodoInput{Done: ptr(true)})
			wantCode(t, err, tc.want)
			wantCode(t, f.svc.Delete(ctx, "bob", tc.id), tc.want)
		})
	}
	bound := now.Add(todolist.IdempotencyTTL + time.Hour)
	for k, exp := range log.expires {
		if exp.After(bound) {
			t.Errorf("claim %s expires %s, later than now + IdempotencyTTL + 1h (%s)", k, exp, bound)
		}
	}
	if len(log.expires) == 0 {
		t.Fatal("no delete left a mark: the expiry bound was not exercised")
	}
	// The owner's own todo, by its lower-case ID, is still found.
	if _, err := f.svc.Update(ctx, "ann", strings.ToLower(real.ID), todo.TodoInput{Done: ptr(true)}); err != nil {
		t.Fatalf("the owner's todo by its lower-case ID: %v", err)
	}
	if err := f.svc.Delete(ctx, "ann", strings.ToLower(real.ID)); err != nil {
		t.Fatalf("deleting the owner's todo by its lower-case ID: %v", err)
	}
}

package tablestore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/todo"
)

// deadErr is a failure that gives a change up, as the notifier's
// DeadLetterError does.
type deadErr struct{ first bool }

func (e deadErr) Error() string    { return fmt.Sprintf("given up (first %v)", e.first) }
func (e deadErr) DeadLetter() bool { return e.first }

func changes(tb testing.TB, n int) []byte {
	tb.Helper()
	var recs []map[string]any
	for range n {
		recs = append(recs, record("PutRow", pk("ann@example.com"), userColumns()))
	}
	return payload(tb, recs...)
}

// TestHandleStreamDeadline: once the margin is reached no change is handed
// to fn, and the invocation fails so the batch is retried.
func TestHandleStreamDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	calls := 0
	_, err := tablestore.HandleStreamWithin(ctx, changes(t, 4), func(context.Context, todo.UserChange) error {
		calls++
		time.Sleep(150 * time.Millisecond)
		return nil
	}, slog.New(slog.DiscardHandler), 100*time.Millisecond)
	if err == nil || calls != 2 || !strings.Contains(err.Error(), "2 of 4 changes not handled") {
		t.Fatalf("%d calls, err %v; want 2 calls and the rest reported", calls, err)
	}
}

// TestHandleStreamDeadLetter: a change given up is acknowledged (the
// trigger has no dead-letter destination and would retry until the stream
// expires), logged at error level once; other failures fail the batch.
func TestHandleStreamDeadLetter(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantFailed bool
		wantErrors int
	}{
		{"first give-up", fmt.Errorf("wrapped: %w", deadErr{first: true}), false, 1},
		{"given up before", deadErr{first: false}, false, 0},
		{"plain failure", errors.New("smtp: 421"), true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			calls := 0
			out, err := tablestore.HandleStreamWithin(context.Background(), changes(t, 2), func(context.Context, todo.UserChange) error {
				calls++
				if calls == 1 {
					return tt.err
				}
				return nil
			}, slog.New(slog.NewTextHandler(&logs, nil)), time.Second)
			if (err != nil) != tt.wantFailed || (err == nil && string(out) != `{"handled":2}`) {
				t.Fatalf("HandleStreamWithin = %s, %v; want failed %v", out, err, tt.wantFailed)
			}
			if got := strings.Count(logs.String(), "level=ERROR"); got != tt.wantErrors {
				t.Fatalf("%d error lines, want %d:\n%s", got, tt.wantErrors, logs.String())
			}
		})
	}
}

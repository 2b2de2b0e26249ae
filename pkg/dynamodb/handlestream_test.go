package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// deadErr is a failure that gives a record up, as the notifier's
// DeadLetterError does.
type deadErr struct{ first bool }

func (e deadErr) Error() string    { return fmt.Sprintf("given up (first %v)", e.first) }
func (e deadErr) DeadLetter() bool { return e.first }

// batch is a stream event of n copies of testdata/insert.json with
// sequence numbers 1..n.
func batch(t *testing.T, n int) []byte {
	t.Helper()
	var ev dynamodb.StreamEvent
	for i := 1; i <= n; i++ {
		rec := loadRecord(t, "insert.json")
		rec.EventID, rec.Change.SequenceNumber = fmt.Sprint("e", i), fmt.Sprint(i)
		ev.Records = append(ev.Records, rec)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func failures(t *testing.T, out []byte) string {
	t.Helper()
	var resp dynamodb.BatchResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return strings.Join(ids, ",")
}

// TestHandleStreamDeadline: once the margin is reached no record is handed
// to fn, and every record from the first unhandled one on is reported.
func TestHandleStreamDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var logs bytes.Buffer
	calls := 0
	out, err := dynamodb.HandleStreamWithin(ctx, batch(t, 5), func(context.Context, todo.UserChange) error {
		calls++
		if calls == 2 {
			time.Sleep(250 * time.Millisecond) // a stalled send
			return errors.New("smtp: timeout")
		}
		return nil
	}, slog.New(slog.NewTextHandler(&logs, nil)), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if got := failures(t, out); calls != 2 || got != "2,3,4,5" {
		t.Fatalf("%d calls, failures %q; want 2 calls and 2,3,4,5", calls, got)
	}
	if !strings.Contains(logs.String(), "too little time left") || strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// TestHandleStreamDeadLetter: a record given up is still reported (for the
// failure queue) and logged at error level only at the attempt that gave
// up.
func TestHandleStreamDeadLetter(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantError bool
	}{
		{"first give-up", fmt.Errorf("wrapped: %w", deadErr{first: true}), true},
		{"given up before", deadErr{first: false}, false},
		{"plain failure", errors.New("smtp: 421"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			out, err := dynamodb.HandleStreamWithin(context.Background(), batch(t, 2), func(context.Context, todo.UserChange) error { return tt.err },
				slog.New(slog.NewTextHandler(&logs, nil)), time.Second)
			if err != nil || failures(t, out) != "1,2" {
				t.Fatalf("HandleStreamWithin = %s, %v; want both reported", out, err)
			}
			if got := strings.Count(logs.String(), "level=ERROR"); got != map[bool]int{true: 2, false: 0}[tt.wantError] {
				t.Fatalf("%d error lines for two records:\n%s", got, logs.String())
			}
		})
	}
}

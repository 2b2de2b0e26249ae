package stream_test

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

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/todo"
)

// deadErr is a failure that gives a change up, as the notifier's
// DeadLetterError does.
type deadErr struct{ first bool }

func (e deadErr) Error() string    { return fmt.Sprintf("given up (first %v)", e.first) }
func (e deadErr) DeadLetter() bool { return e.first }

// decoder returns n records with IDs 1..n (record bad, if in range, does
// not decode), whatever the payload.
func decoder(n, bad int) stream.Decoder {
	return func([]byte) ([]todo.StreamRecord, error) {
		recs := make([]todo.StreamRecord, n)
		for i := range recs {
			recs[i] = todo.StreamRecord{ID: fmt.Sprint(i + 1), Event: fmt.Sprint("e", i+1),
				Change: todo.UserChange{New: &todo.User{Email: fmt.Sprintf("u%d@example.com", i+1)}}}
			if i == bad {
				recs[i] = todo.StreamRecord{ID: fmt.Sprint(i + 1), Err: errors.New("not a user")}
			}
		}
		return recs, nil
	}
}

func undecodable([]byte) ([]todo.StreamRecord, error) { return nil, errors.New("not an event") }

// clock is a fake clock that fn moves on.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// policy returns a policy with margin 10 s on c, logging to logs, and a
// context whose deadline is 30 s after c's time (set to now: the test
// moves c on, never waits for the wall clock).
func policy(t *testing.T, c *clock, logs *bytes.Buffer) (stream.Policy, context.Context) {
	t.Helper()
	c.t = time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), c.t.Add(30*time.Second))
	t.Cleanup(cancel)
	return stream.Policy{Margin: 10 * time.Second, Now: c.now, Log: slog.New(slog.NewTextHandler(logs, nil))}, ctx
}

func failures(t *testing.T, out []byte) string {
	t.Helper()
	var resp stream.BatchResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.BatchItemFailures == nil {
		t.Fatalf("%s: %v", out, err)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return strings.Join(ids, ",")
}

// TestDeadline: once less than the margin is left no record is handed to
// fn; Lambda is told to retry every record from the first unhandled one,
// and a Function Compute invocation fails so the batch is retried.
func TestDeadline(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(t *testing.T, out []byte, err error)
		run   func(stream.Policy, context.Context, []byte, stream.Decoder, stream.Handler) ([]byte, error)
	}{
		{"per record", func(t *testing.T, out []byte, err error) {
			if err != nil || failures(t, out) != "2,3,4,5" {
				t.Fatalf("%s, %v; want 2,3,4,5 reported", out, err)
			}
		}, stream.Policy.PerRecord},
		{"whole batch", func(t *testing.T, out []byte, err error) {
			if err == nil || !strings.Contains(err.Error(), "3 of 5 records not handled before the deadline") {
				t.Fatalf("%s, %v; want the batch failed", out, err)
			}
		}, stream.Policy.WholeBatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c clock
			var logs bytes.Buffer
			p, ctx := policy(t, &c, &logs)
			calls := 0
			out, err := tc.run(p, ctx, nil, decoder(5, -1), func(context.Context, todo.UserChange) error {
				calls++
				c.t = c.t.Add(12 * time.Second) // a slow send: 18 s, then 6 s left
				if calls == 2 && tc.name == "per record" {
					return errors.New("smtp: timeout")
				}
				return nil
			})
			if calls != 2 {
				t.Fatalf("%d calls, want 2", calls)
			}
			tc.check(t, out, err)
			if !strings.Contains(logs.String(), "too little time left") || strings.Contains(logs.String(), "level=ERROR") {
				t.Fatalf("logs:\n%s", logs.String())
			}
		})
	}
}

// TestDeadLetter: a change given up is reported to Lambda (for the
// mapping's failure destination) but acknowledged to Function Compute (the
// trigger has none and would retry until the stream expires); either way
// it is logged at error level only at the attempt that gave up. A plain
// failure is retried on both.
func TestDeadLetter(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		wantErrorLogs int
		wantBatchFail bool
	}{
		{"first give-up", fmt.Errorf("wrapped: %w", deadErr{first: true}), 1, false},
		{"given up before", deadErr{first: false}, 0, false},
		{"plain failure", errors.New("smtp: 421"), 0, true},
	}
	for _, tt := range tests {
		fn := func() stream.Handler {
			calls := 0
			return func(context.Context, todo.UserChange) error {
				if calls++; calls == 1 {
					return tt.err
				}
				return nil
			}
		}
		t.Run(tt.name+"/per record", func(t *testing.T) {
			var logs bytes.Buffer
			p := stream.Policy{Log: slog.New(slog.NewTextHandler(&logs, nil))}
			out, err := p.PerRecord(context.Background(), nil, decoder(2, -1), fn())
			if err != nil || failures(t, out) != "1" {
				t.Fatalf("PerRecord = %s, %v; want record 1 reported", out, err)
			}
			if got := strings.Count(logs.String(), "level=ERROR"); got != tt.wantErrorLogs {
				t.Fatalf("%d error lines, want %d:\n%s", got, tt.wantErrorLogs, logs.String())
			}
		})
		t.Run(tt.name+"/whole batch", func(t *testing.T) {
			var logs bytes.Buffer
			p := stream.Policy{Log: slog.New(slog.NewTextHandler(&logs, nil))}
			out, err := p.WholeBatch(context.Background(), nil, decoder(2, -1), fn())
			if (err != nil) != tt.wantBatchFail || (err == nil && string(out) != `{"handled":2}`) {
				t.Fatalf("WholeBatch = %s, %v; want failed %v", out, err, tt.wantBatchFail)
			}
			if tt.wantBatchFail && !errors.Is(err, tt.err) {
				t.Fatalf("WholeBatch error %v does not wrap fn's %v", err, tt.err)
			}
			if got := strings.Count(logs.String(), "level=ERROR"); got != tt.wantErrorLogs {
				t.Fatalf("%d error lines, want %d:\n%s", got, tt.wantErrorLogs, logs.String())
			}
		})
	}
}

// TestUndecodable: a record that does not decode is logged at error level
// and skipped (retrying cannot help); a payload that does not decode at all
// is an error to Lambda and skipped on Function Compute.
func TestUndecodable(t *testing.T) {
	var logs bytes.Buffer
	p := stream.Policy{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	var got []string
	fn := func(_ context.Context, c todo.UserChange) error {
		got = append(got, c.New.Email)
		return nil
	}
	out, err := p.PerRecord(context.Background(), nil, decoder(3, 1), fn)
	if err != nil || failures(t, out) != "" || strings.Join(got, ",") != "u1@example.com,u3@example.com" {
		t.Fatalf("PerRecord = %s, %v, handed %v; want records 1 and 3 handed, none reported", out, err, got)
	}
	got = nil
	out, err = p.WholeBatch(context.Background(), nil, decoder(3, 1), fn)
	if err != nil || string(out) != `{"handled":2}` || len(got) != 2 {
		t.Fatalf("WholeBatch = %s, %v, handed %v; want 2 handled", out, err, got)
	}
	if n := strings.Count(logs.String(), "does not decode"); n != 2 {
		t.Fatalf("%d skip lines, want 2:\n%s", n, logs.String())
	}
	if _, err := p.PerRecord(context.Background(), nil, undecodable, fn); err == nil {
		t.Fatal("PerRecord accepted a payload that does not decode")
	}
	if out, err := p.WholeBatch(context.Background(), nil, undecodable, fn); err != nil || string(out) != `{"handled":0}` {
		t.Fatalf("WholeBatch = %s, %v; want it skipped", out, err)
	}
}

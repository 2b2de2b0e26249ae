package tablestore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/todo"
)

// failing makes the next three GetRow calls, all a call's attempts, answer e.
func failing(e tablestoretest.Error) func(*tablestoretest.Server) {
	return func(srv *tablestoretest.Server) {
		for range 3 {
			srv.FailNext("GetRow", e)
		}
	}
}

// TestUnavailable: a service that stays busy, or stalls, is Unavailable
// within the call budget, after the SDK's bounded retries.
func TestUnavailable(t *testing.T) {
	tests := []struct {
		name     string
		inject   func(srv *tablestoretest.Server)
		attempts int // requests the call makes
	}{
		{"server busy", failing(tablestoretest.ServerBusy), 3},
		{"quota exhausted", failing(tablestoretest.QuotaExhausted), 3},
		{"timeout", failing(tablestoretest.Timeout), 3},
		{"server unavailable", failing(tablestoretest.ServerUnavailable), 3},
		// Throttling the SDK does not resend: Unavailable at once.
		{"flow control", failing(tablestoretest.FlowControl), 1},
		{"operation throttled", failing(tablestoretest.OperationThrottled), 1},
		{"stalled", func(srv *tablestoretest.Server) {
			for range 3 {
				srv.DelayNext("GetRow", time.Minute)
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(t)
			cfg := NewConfig(srv)
			cfg.CallTimeout, cfg.AttemptTimeout = 1500*time.Millisecond, 400*time.Millisecond
			s := MustOpen(t, cfg)
			tt.inject(srv)
			before := srv.Requests()
			start := time.Now()
			_, err := s.User(context.Background(), "a@example.com")
			took := time.Since(start)
			storetest.WantUnavailable(t, err)
			if took > 1700*time.Millisecond {
				t.Fatalf("took %v, want within the 1.5 s call budget", took)
			}
			if n := srv.Requests() - before; tt.attempts > 0 && n != tt.attempts {
				t.Fatalf("%d requests, want %d", n, tt.attempts)
			}
		})
	}
}

// TestUnavailableCallersDeadline: the SDK takes no context, yet the caller
// gets its answer when its context ends, not when the SDK gives up.
func TestUnavailableCallersDeadline(t *testing.T) {
	srv := NewServer(t)
	cfg := NewConfig(srv)
	cfg.CallTimeout, cfg.AttemptTimeout = 10*time.Second, 10*time.Second
	s := MustOpen(t, cfg)
	srv.DelayNext("PutRow", time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := s.Claim(ctx, "k", "v", time.Now().Add(time.Hour))
	storetest.WantUnavailable(t, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("took %v, want the caller's 200 ms deadline", took)
	}
	// An ended context is Unavailable before any request is made.
	before := srv.Requests()
	_, err = s.Throttle(ctx, "k")
	storetest.WantUnavailable(t, err)
	if srv.Requests() != before {
		t.Fatal("a call with an ended context reached the service")
	}
}

// TestUnavailableSlowButInBudget: a stall shorter than an attempt is only
// slow.
func TestUnavailableSlowButInBudget(t *testing.T) {
	srv := NewServer(t)
	cfg := NewConfig(srv)
	cfg.CallTimeout, cfg.AttemptTimeout = 2*time.Second, time.Second
	s := MustOpen(t, cfg)
	srv.DelayNext("GetRow", 200*time.Millisecond)
	if _, err := s.Throttle(context.Background(), "k"); todo.ErrorCode(err) != todo.NotFound {
		t.Fatalf("Throttle = %v, want NotFound", err)
	}
}

func TestUnavailableRefused(t *testing.T) {
	cfg := NewConfig(NewServer(t))
	cfg.Endpoint = storetest.ClosedEndpoint(t)
	cfg.CallTimeout = time.Second
	s, err := tablestore.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Claim(context.Background(), "k", "v", time.Now().Add(time.Hour))
	storetest.WantUnavailable(t, err)
}

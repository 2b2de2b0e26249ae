package dynamodb_test

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// awsError answers a DynamoDB JSON error as the service does.
func awsError(status int, typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		out := `{"__type":"com.amazonaws.dynamodb.v20120810#` + typ + `","message":"injected"}`
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(out))), 10))
		w.WriteHeader(status)
		io.WriteString(w, out)
	}
}

// hang reads the request and answers nothing until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// reset closes the connection as soon as the request has arrived.
func reset(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // an RST, not a FIN
	}
	conn.Close()
}

// faultStore opens a store on a server that runs h for every request and
// counts the requests.
func faultStore(t *testing.T, h http.HandlerFunc, call, attempt time.Duration) (*dynamodb.Store, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	s, err := dynamodb.Open(context.Background(), dynamodb.Config{Region: "us-east-1", Endpoint: srv.URL,
		UsersTable: "users", TodosTable: "todos", KeysTable: "keys", CallTimeout: call, AttemptTimeout: attempt})
	if err != nil {
		t.Fatal(err)
	}
	return s, &n
}

func TestUnavailable(t *testing.T) {
	tests := []struct {
		name         string
		h            http.HandlerFunc
		wantAttempts int32 // 0: do not check
	}{
		{"provisioned throughput exceeded", awsError(400, "ProvisionedThroughputExceededException"), 3},
		{"throttling", awsError(400, "ThrottlingException"), 3},
		{"request limit exceeded", awsError(400, "RequestLimitExceeded"), 3},
		{"internal server error", awsError(500, "InternalServerError"), 3},
		{"service unavailable", awsError(503, "ServiceUnavailable"), 3},
		{"hang", hang, 0},
		{"connection reset", reset, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n := faultStore(t, tt.h, 1500*time.Millisecond, 300*time.Millisecond)
			start := time.Now()
			_, err := s.Throttle(context.Background(), "k")
			took := time.Since(start)
			storetest.WantUnavailable(t, err)
			if took > 2*time.Second {
				t.Fatalf("took %v, want within the 1.5 s call budget", took)
			}
			if tt.wantAttempts > 0 && n.Load() != tt.wantAttempts {
				t.Fatalf("%d attempts, want %d", n.Load(), tt.wantAttempts)
			}
		})
	}
}

func TestUnavailableHangRetriesWithinBudget(t *testing.T) {
	s, n := faultStore(t, hang, time.Second, 200*time.Millisecond)
	start := time.Now()
	_, err := s.Throttle(context.Background(), "k")
	storetest.WantUnavailable(t, err)
	if took := time.Since(start); took < 400*time.Millisecond || took > 1500*time.Millisecond {
		t.Fatalf("took %v, want the attempts' time and at most the call budget", took)
	}
	if n.Load() < 2 {
		t.Fatalf("%d attempts, want the hung one retried", n.Load())
	}
}

func TestUnavailableCallersDeadline(t *testing.T) {
	s, _ := faultStore(t, hang, 10*time.Second, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.PutThrottle(ctx, &todo.Throttle{Key: "k", Failures: 1, Expires: time.Now().Add(time.Hour)})
	storetest.WantUnavailable(t, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("took %v, want the caller's 200 ms deadline", took)
	}
}

func TestUnavailableRefused(t *testing.T) {
	s, err := dynamodb.Open(context.Background(), dynamodb.Config{Region: "us-east-1", Endpoint: storetest.ClosedEndpoint(t),
		UsersTable: "users", TodosTable: "todos", KeysTable: "keys", CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Claim(context.Background(), "k", "v", time.Now().Add(time.Hour))
	storetest.WantUnavailable(t, err)
}

// Errors that are not the service's being busy keep their own codes.
func TestNotUnavailable(t *testing.T) {
	tests := []struct {
		name string
		h    http.HandlerFunc
		call func(*dynamodb.Store) error
		want string
	}{
		{"failed condition", awsError(400, "ConditionalCheckFailedException"), func(s *dynamodb.Store) error {
			return s.PutThrottle(context.Background(), &todo.Throttle{Key: "k", Version: 3, Expires: time.Now().Add(time.Hour)})
		}, todo.Conflict},
		{"validation", awsError(400, "ValidationException"), func(s *dynamodb.Store) error {
			_, err := s.Throttle(context.Background(), "k")
			return err
		}, todo.Internal},
		{"missing table", awsError(400, "ResourceNotFoundException"), func(s *dynamodb.Store) error {
			_, err := s.Throttle(context.Background(), "k")
			return err
		}, todo.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n := faultStore(t, tt.h, time.Second, time.Second)
			if got := todo.ErrorCode(tt.call(s)); got != tt.want {
				t.Fatalf("code = %q, want %q", got, tt.want)
			}
			if n.Load() != 1 {
				t.Fatalf("%d attempts, want 1 (not retried)", n.Load())
			}
		})
	}
}

// Against dynalite, a call whose context has ended is Unavailable too, and
// a healthy call is not slowed by the budgets.
func TestUnavailableDynalite(t *testing.T) {
	cfg := NewConfig(t)
	cfg.CallTimeout, cfg.AttemptTimeout = time.Second, 500*time.Millisecond
	s := MustOpen(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Throttle(ctx, "k")
	storetest.WantUnavailable(t, err)
	_, err = s.Throttle(context.Background(), "k")
	if todo.ErrorCode(err) != todo.NotFound {
		t.Fatalf("Throttle = %v, want NotFound", err)
	}
}

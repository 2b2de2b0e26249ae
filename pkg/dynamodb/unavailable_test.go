package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Errors that are not the service's being busy keep their own codes.
func TestNotUnavailable(t *testing.T) {
	tests := []struct {
		name string
		h    http.HandlerFunc
		call func(*dynamodb.Store) error
		want string
	}{
		// A failed condition is followed by a read that finds the item
		// does not hold the call's own write; both are answered once.
		{"failed condition", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetItem") {
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.Write([]byte(`{"Item":{"key":{"S":"throttle:k"},"version":{"N":"4"},"writeId":{"S":"another"}}}`))
				return
			}
			awsError(400, "ConditionalCheckFailedException")(w, r)
		}, func(s *dynamodb.Store) error {
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
			if want := int32(1 + btoi(tt.want == todo.Conflict)); n.Load() != want {
				t.Fatalf("%d requests, want %d (not retried)", n.Load(), want)
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

// TestPurgeUnprocessed: a purge whose BatchWriteItem keeps returning its
// items unprocessed (a throttled partition) ends Unavailable after a
// bounded number of resends, each within the 25-request limit.
func TestPurgeUnprocessed(t *testing.T) {
	var batches atomic.Int32
	h := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch target := r.Header.Get("X-Amz-Target"); {
		case strings.HasSuffix(target, ".Query"):
			io.WriteString(w, `{"Count":1,"Items":[{"userId":{"S":"ann"},"id":{"S":"01JD0000000000000000000000"}}]}`)
		case strings.HasSuffix(target, ".BatchWriteItem"):
			batches.Add(1)
			var in struct{ RequestItems map[string][]json.RawMessage }
			if err := json.Unmarshal(body, &in); err != nil || len(in.RequestItems["todos"]) != 1 {
				t.Errorf("BatchWriteItem body %s", body)
			}
			fmt.Fprintf(w, `{"UnprocessedItems":{"todos":%s}}`, mustJSON(in.RequestItems["todos"]))
		default:
			t.Errorf("unexpected call %s", target)
		}
	}
	s, _ := faultStore(t, h, 5*time.Second, time.Second)
	_, err := s.DeleteTodos(context.Background(), "ann")
	storetest.WantUnavailable(t, err)
	if n := batches.Load(); n != 8 {
		t.Fatalf("%d BatchWriteItem calls, want 8", n)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// txScript is a server that answers every TransactWriteItems with
// reasons(call, request): nil for success, else the CancellationReasons
// of a TransactionCanceledException, in the wire form DynamoDB gives
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html,
// "Errors"). It counts the calls and records their ClientRequestTokens.
type txScript struct {
	calls  atomic.Int32
	mu     sync.Mutex
	tokens []string
}

func (sc *txScript) start(t *testing.T, reasons func(call int, items []map[string]any) []map[string]any) *dynamodb.Store {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			TransactItems      []map[string]any
			ClientRequestToken string
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &in); err != nil || r.Header.Get("X-Amz-Target") != "DynamoDB_20120810.TransactWriteItems" {
			http.Error(w, "test: not a TransactWriteItems", http.StatusBadRequest)
			return
		}
		n := int(sc.calls.Add(1))
		sc.mu.Lock()
		sc.tokens = append(sc.tokens, in.ClientRequestToken)
		sc.mu.Unlock()
		out, status := []byte("{}"), http.StatusOK
		if rs := reasons(n, in.TransactItems); rs != nil {
			out, _ = json.Marshal(map[string]any{"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
				"Message": "Transaction cancelled, please refer cancellation reasons for specific reasons", "CancellationReasons": rs})
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(out)), 10))
		w.WriteHeader(status)
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	s, err := dynamodb.Open(context.Background(), dynamodb.Config{Region: "us-east-1", Endpoint: srv.URL,
		UsersTable: "u", TodosTable: "t", KeysTable: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAtomicWriteCancellations: how AtomicWrite reads a cancelled
// transaction's reasons: failed conditions are a refusal naming them; a
// TransactionConflict (nothing applied) is tried again with a new token,
// then answered as a contention refusal; a failed condition on an item
// that holds the call's own token is its own earlier attempt, applied;
// any other reason is an error.
func TestAtomicWriteCancellations(t *testing.T) {
	ws := []todo.Write{todo.CountWrite("writes:u1", 1, 0, 5, time.Now().Add(time.Hour), true),
		todo.CreateWrite(storetest.NewTodo("u1", "milk", 0))}
	none, conflict := map[string]any{"Code": "None"}, map[string]any{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
	failed := map[string]any{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
	ctx := context.Background()

	t.Run("failed conditions", func(t *testing.T) {
		var sc txScript
		s := sc.start(t, func(int, []map[string]any) []map[string]any { return []map[string]any{failed, failed} })
		var r *todo.Refusal
		if err := s.AtomicWrite(ctx, ws); !errors.As(err, &r) || !slices.Equal(r.Failed, []int{0, 1}) {
			t.Fatalf("AtomicWrite = %v, want a refusal of writes 0 and 1", err)
		}
		if sc.calls.Load() != 1 {
			t.Fatalf("%d calls, want 1", sc.calls.Load())
		}
	})
	t.Run("a conflict, then through", func(t *testing.T) {
		var sc txScript
		s := sc.start(t, func(n int, _ []map[string]any) []map[string]any {
			if n < 3 {
				return []map[string]any{none, conflict}
			}
			return nil
		})
		if err := s.AtomicWrite(ctx, ws); err != nil {
			t.Fatalf("AtomicWrite = %v, want it applied on the third call", err)
		}
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if sc.calls.Load() != 3 || sc.tokens[0] == sc.tokens[1] || sc.tokens[1] == sc.tokens[2] || sc.tokens[0] == "" {
			t.Fatalf("%d calls with tokens %q: want 3, each a new token", sc.calls.Load(), sc.tokens)
		}
	})
	t.Run("conflicts throughout", func(t *testing.T) {
		var sc txScript
		s := sc.start(t, func(int, []map[string]any) []map[string]any { return []map[string]any{conflict, none} })
		var r *todo.Refusal
		if err := s.AtomicWrite(ctx, ws); !errors.As(err, &r) || len(r.Failed) != 0 {
			t.Fatalf("AtomicWrite = %v, want a contention refusal (no write named)", err)
		}
		if sc.calls.Load() != 3 {
			t.Fatalf("%d calls, want 3", sc.calls.Load())
		}
	})
	t.Run("its own earlier attempt", func(t *testing.T) {
		var sc txScript
		s := sc.start(t, func(_ int, items []map[string]any) []map[string]any {
			put := items[1]["Put"].(map[string]any)["Item"].(map[string]any) // the todo, as this call writes it
			return []map[string]any{none, {"Code": "ConditionalCheckFailed", "Item": put}}
		})
		if err := s.AtomicWrite(ctx, ws); err != nil {
			t.Fatalf("AtomicWrite = %v, want success: the item holds the call's own token", err)
		}
	})
	t.Run("another reason", func(t *testing.T) {
		var sc txScript
		s := sc.start(t, func(int, []map[string]any) []map[string]any {
			return []map[string]any{none, {"Code": "ValidationError", "Message": "Item size has exceeded the maximum allowed size"}}
		})
		err := s.AtomicWrite(ctx, ws)
		var r *todo.Refusal
		if err == nil || errors.As(err, &r) {
			t.Fatalf("AtomicWrite = %v, want an error that is no refusal", err)
		}
	})
}

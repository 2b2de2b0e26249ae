package dynamodb_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// Real DynamoDB returns the item that failed a condition when asked with
// ReturnValuesOnConditionCheckFailure=ALL_OLD; dynalite ignores that
// parameter, and internal/dynamotx, through which the tests reach it, adds
// the item (TestConformanceWithoutOldItems takes it out again, for the
// fallback read). These cases answer with a canned
// ConditionalCheckFailedException carrying the old item, in DynamoDB's
// documented JSON error format, and check that the store asks for it and
// uses it without a second request, whatever server is behind.

func TestConditionFailureWithOldItem(t *testing.T) {
	future := time.Now().Add(time.Hour).Unix()
	tests := []struct {
		name    string
		oldItem string // the Item member of the error body
		call    func(context.Context, *dynamodb.Store) error
	}{
		{
			name:    "update user",
			oldItem: `{"email":{"S":"ann@example.com"},"id":{"S":"u1"},"version":{"N":"3"}}`,
			call: func(ctx context.Context, s *dynamodb.Store) error {
				u := storetest.NewUser("ann@example.com")
				u.Version = 2
				err := s.UpdateUser(ctx, u)
				if got := todo.ErrorCode(err); got != todo.Conflict {
					return fmt.Errorf("UpdateUser error = %v, want code conflict", err)
				}
				return nil
			},
		},
		{
			name:    "update todo",
			oldItem: `{"userId":{"S":"u1"},"id":{"S":"t1"},"version":{"N":"5"}}`,
			call: func(ctx context.Context, s *dynamodb.Store) error {
				td := storetest.NewTodo("u1", "x", 0)
				td.Version = 4
				err := s.UpdateTodo(ctx, td)
				if got := todo.ErrorCode(err); got != todo.Conflict {
					return fmt.Errorf("UpdateTodo error = %v, want code conflict", err)
				}
				return nil
			},
		},
		{
			name:    "claim held",
			oldItem: `{"key":{"S":"claim:k"},"value":{"S":"todo-1"},"expires":{"N":"` + strconv.FormatInt(future, 10) + `"}}`,
			call: func(ctx context.Context, s *dynamodb.Store) error {
				held, fresh, err := s.Claim(ctx, "k", "todo-2", time.Now().Add(time.Hour))
				if err != nil || held != "todo-1" || fresh {
					return fmt.Errorf("Claim = %q, %v, %v; want todo-1, not fresh", held, fresh, err)
				}
				return nil
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var targets []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				target := r.Header.Get("X-Amz-Target")
				mu.Lock()
				targets = append(targets, target)
				mu.Unlock()
				if target != "DynamoDB_20120810.PutItem" || !strings.Contains(string(body), `"ReturnValuesOnConditionCheckFailure":"ALL_OLD"`) {
					http.Error(w, `{"__type":"com.amazon.coral.validate#ValidationException","message":"unexpected request"}`, http.StatusBadRequest)
					return
				}
				out := `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":` + tt.oldItem + `}`
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(out))), 10))
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, out)
			}))
			t.Cleanup(srv.Close)
			s, err := dynamodb.Open(context.Background(), dynamodb.Config{
				Region: "us-east-1", Endpoint: srv.URL, UsersTable: "users", TodosTable: "todos", KeysTable: "keys",
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.call(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(targets) != 1 {
				t.Fatalf("requests %v, want one PutItem and no follow-up read", targets)
			}
		})
	}
}

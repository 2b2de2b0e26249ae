package dynamodb_test

import (
	"context"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
)

// TestSessionItem checks the stored item: the exact expiry for reads and
// the TTL attribute in epoch seconds, rounded up.
func TestSessionItem(t *testing.T) {
	cfg := NewConfig(t)
	s := MustOpen(t, cfg)
	ctx := context.Background()
	rs := storetest.NewSession("u1")
	rs.ExpiresAt = time.Date(2030, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	storetest.MustOwner(t, s, rs)
	if err := s.CreateSession(ctx, rs); err != nil {
		t.Fatal(err)
	}
	out, err := rawClient(cfg).GetItem(ctx, &ddb.GetItemInput{
		TableName: aws.String(cfg.SessionsTable),
		Key:       map[string]types.AttributeValue{"userId": &types.AttributeValueMemberS{Value: "u1"}, "id": &types.AttributeValueMemberS{Value: rs.ID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"expires":   strconv.FormatInt(rs.ExpiresAt.Unix()+1, 10),
		"expiresAt": "2030-01-02T03:04:05.6Z",
		"version":   "1",
		"tokenHash": rs.TokenHash,
	}
	for attr, v := range want {
		var got string
		switch a := out.Item[attr].(type) {
		case *types.AttributeValueMemberN:
			got = a.Value
		case *types.AttributeValueMemberS:
			got = a.Value
		}
		if got != v {
			t.Errorf("attribute %s = %q, want %q", attr, got, v)
		}
	}
}

func TestSessionsWithoutTable(t *testing.T) {
	cfg := NewConfig(t)
	cfg.SessionsTable = ""
	s := MustOpen(t, cfg)
	_, err := s.Session(context.Background(), "u1", "s1")
	if err == nil || !strings.Contains(err.Error(), "no SessionsTable configured") {
		t.Fatalf("Session without a sessions table = %v", err)
	}
}

// dynalite never answers UnprocessedItems; this stand-in does, once, and
// checks that the purge sends them again and counts every session.
func TestDeleteSessionsResendsUnprocessed(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	item := func(id string) string {
		return `{"userId":{"S":"u1"},"id":{"S":"` + id + `"},"expiresAt":{"S":"` + future + `"}}`
	}
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		mu.Lock()
		defer mu.Unlock()
		var out string
		switch target {
		case "Query":
			out = `{"Count":3,"Items":[` + item("a") + `,` + item("b") + `,` + item("c") + `]}`
		case "BatchWriteItem":
			var in struct{ RequestItems map[string][]json.RawMessage }
			if err := json.Unmarshal(body, &in); err != nil {
				t.Errorf("BatchWriteItem body: %v", err)
			}
			n := len(in.RequestItems["sessions"])
			target += strconv.Itoa(n)
			out = `{"UnprocessedItems":{}}`
			if n == 3 {
				out = `{"UnprocessedItems":{"sessions":[{"DeleteRequest":{"Key":{"userId":{"S":"u1"},"id":{"S":"c"}}}}]}}`
			}
		default:
			http.Error(w, `{"__type":"com.amazon.coral.validate#ValidationException","message":"unexpected"}`, http.StatusBadRequest)
			return
		}
		calls = append(calls, target)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(out))), 10))
		io.WriteString(w, out)
	}))
	t.Cleanup(srv.Close)
	s, err := dynamodb.Open(context.Background(), dynamodb.Config{
		Region: "us-east-1", Endpoint: srv.URL, UsersTable: "users", TodosTable: "todos", KeysTable: "keys", SessionsTable: "sessions",
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteSessions(context.Background(), "u1", "")
	if err != nil || n != 3 {
		t.Fatalf("DeleteSessions = %d, %v; want 3", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(calls, ","); got != "Query,BatchWriteItem3,BatchWriteItem1" {
		t.Fatalf("calls %s, want the query, the batch and the unprocessed item again", got)
	}
}

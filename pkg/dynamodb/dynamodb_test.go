package dynamodb_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store {
		cfg := NewConfig(t)
		cfg.Now = now
		return MustOpen(t, cfg)
	})
}

// TestLostAnswers runs the suite's LostAnswers cases with the engine behind
// a lossyProxy, so they lose real answers of dynalite. (The rest of the
// suite runs without the proxy's extra hop: its 200 concurrent counter
// calls load dynalite enough as it is.)
func TestLostAnswers(t *testing.T) {
	storetest.RunLostAnswers(t, func(t *testing.T, now func() time.Time) todo.Store {
		cfg := NewConfig(t)
		cfg.Now = now
		proxy := newLossyProxy(t, cfg.Endpoint)
		cfg.Endpoint = proxy.srv.URL
		return lossyStore{MustOpen(t, cfg), proxy}
	})
}

func TestConfigValidate(t *testing.T) {
	full := dynamodb.Config{Region: "us-east-1", UsersTable: "u", TodosTable: "t", KeysTable: "k", AccessKeyID: "AKID", SecretAccessKey: "secret"}
	tests := []struct {
		name    string
		edit    func(*dynamodb.Config)
		wantErr string // "" for no error
	}{
		{name: "complete", edit: func(*dynamodb.Config) {}},
		{name: "no region", edit: func(c *dynamodb.Config) { c.Region = "" }, wantErr: "dynamodb: config: missing Region"},
		{name: "blank tables", edit: func(c *dynamodb.Config) { c.UsersTable, c.TodosTable, c.KeysTable = " ", "", "" },
			wantErr: "dynamodb: config: missing UsersTable, TodosTable, KeysTable"},
		{name: "no credentials", edit: func(c *dynamodb.Config) { c.AccessKeyID = "" },
			wantErr: "dynamodb: config: missing AccessKeyID and SecretAccessKey (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"},
		{name: "endpoint needs no credentials", edit: func(c *dynamodb.Config) {
			c.AccessKeyID, c.SecretAccessKey, c.Endpoint = "", "", "http://127.0.0.1:8000"
		}},
		{name: "empty", edit: func(c *dynamodb.Config) { *c = dynamodb.Config{Endpoint: "http://127.0.0.1:1"} },
			wantErr: "dynamodb: config: missing Region, UsersTable, TodosTable, KeysTable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := full
			tt.edit(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
			if _, err := dynamodb.Open(context.Background(), cfg); err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Open() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// rawClient reaches the same server as cfg, to look at items as stored.
func rawClient(cfg dynamodb.Config) *ddb.Client {
	return ddb.New(ddb.Options{
		Region:       cfg.Region,
		BaseEndpoint: aws.String(cfg.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("dummy", "dummy", ""),
	})
}

func TestCreateTablesIdempotent(t *testing.T) {
	cfg := NewConfig(t)
	ctx := context.Background()
	// Concurrent and repeated calls all succeed and leave ACTIVE tables.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = dynamodb.CreateTables(ctx, cfg)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent CreateTables: %v", err)
		}
	}
	if err := dynamodb.CreateTables(ctx, cfg); err != nil {
		t.Fatalf("CreateTables again: %v", err)
	}
	c := rawClient(cfg)
	for _, tt := range []struct {
		table string
		keys  []string
	}{
		{cfg.UsersTable, []string{"email"}},
		{cfg.TodosTable, []string{"userId", "id"}},
		{cfg.KeysTable, []string{"key"}},
		{cfg.SessionsTable, []string{"userId", "id"}},
	} {
		t.Run(tt.table, func(t *testing.T) {
			out, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(tt.table)})
			if err != nil {
				t.Fatal(err)
			}
			d := out.Table
			if d.TableStatus != types.TableStatusActive {
				t.Errorf("status = %s, want ACTIVE", d.TableStatus)
			}
			if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
				t.Errorf("billing = %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
			}
			var got []string
			for _, k := range d.KeySchema {
				got = append(got, aws.ToString(k.AttributeName))
			}
			if strings.Join(got, ",") != strings.Join(tt.keys, ",") {
				t.Errorf("key schema = %v, want %v", got, tt.keys)
			}
		})
	}
}

func TestCreateTablesUnreachable(t *testing.T) {
	cfg := dynamodb.Config{Region: "us-east-1", Endpoint: "http://127.0.0.1:1", UsersTable: "u_x", TodosTable: "t_x", KeysTable: "k_x"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := dynamodb.CreateTables(ctx, cfg)
	if err == nil || !strings.HasPrefix(err.Error(), "dynamodb: describe table u_x: ") {
		t.Fatalf("CreateTables against a closed port = %v, want a wrapped describe-table error", err)
	}
}

// TestStoredShape checks the documented item layout: RFC 3339 times, zero
// times and empty strings left out, and "expires" in epoch seconds rounded
// up, the form DynamoDB's time to live reads.
func TestStoredShape(t *testing.T) {
	cfg := NewConfig(t)
	s, ctx := MustOpen(t, cfg), context.Background()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 250_000_000, time.UTC)
	if _, _, err := s.Claim(ctx, "idem:1", "todo-1", exp); err != nil {
		t.Fatal(err)
	}
	// Every keys-table item carries the TTL attribute: claims, settled
	// claims and counters.
	if _, _, err := s.Claim(ctx, "mail:1", "sending:a", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Settle(ctx, "mail:1", "sending:a", "sent", exp); err != nil {
		t.Fatal(err)
	}
	if err := s.PutThrottle(ctx, &todo.Throttle{Key: "login:x", Failures: 1, Expires: exp}); err != nil {
		t.Fatal(err)
	}
	u := storetest.NewUser("shape@example.com")
	u.CodeNonce, u.CodeSentAt = "", time.Time{}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := rawClient(cfg)
	tests := []struct {
		name  string
		table string
		key   map[string]types.AttributeValue
		want  map[string]string // attribute -> "S:value" / "N:value"; "" means absent
	}{
		{
			name:  "claim",
			table: cfg.KeysTable,
			key:   map[string]types.AttributeValue{"key": &types.AttributeValueMemberS{Value: "claim:idem:1"}},
			want:  map[string]string{"value": "S:todo-1", "expires": "N:1893553446"},
		},
		{
			name:  "settled claim",
			table: cfg.KeysTable,
			key:   map[string]types.AttributeValue{"key": &types.AttributeValueMemberS{Value: "claim:mail:1"}},
			want:  map[string]string{"value": "S:sent", "expires": "N:1893553446"},
		},
		{
			name:  "throttle",
			table: cfg.KeysTable,
			key:   map[string]types.AttributeValue{"key": &types.AttributeValueMemberS{Value: "throttle:login:x"}},
			want:  map[string]string{"failures": "N:1", "expires": "N:1893553446"},
		},
		{
			name:  "user",
			table: cfg.UsersTable,
			key:   map[string]types.AttributeValue{"email": &types.AttributeValueMemberS{Value: u.Email}},
			want: map[string]string{
				"createdAt":  "S:" + u.CreatedAt.UTC().Format(time.RFC3339Nano),
				"version":    "N:1",
				"codeNonce":  "",
				"codeSentAt": "",
				"verifiedAt": "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(tt.table), Key: tt.key, ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			for attr, want := range tt.want {
				got := ""
				switch v := out.Item[attr].(type) {
				case *types.AttributeValueMemberS:
					got = "S:" + v.Value
				case *types.AttributeValueMemberN:
					got = "N:" + v.Value
				case nil:
				default:
					got = "other"
				}
				if got != want {
					t.Errorf("attribute %s = %q, want %q", attr, got, want)
				}
			}
		})
	}
}

// TestTodosPartialPages fills a list with items so large that DynamoDB's
// 1 MB response limit cuts each Query short (dynalite applies the same
// limit): Todos must keep reading until the page is full.
func TestTodosPartialPages(t *testing.T) {
	s, ctx := MustOpen(t, NewConfig(t)), context.Background()
	uid := "01KB3QJ7M0A5Y6N9T2V8X4Z1QD"
	const n, limit = 12, 10
	big := strings.Repeat("x", 300<<10) // 300 KiB: at most four items per response
	var want []string
	for i := range n {
		td := storetest.NewTodo(uid, big, time.Duration(i)*time.Second)
		if err := s.CreateTodo(ctx, td); err != nil {
			t.Fatal(err)
		}
		want = append([]string{td.ID}, want...)
	}
	steps := []struct {
		name     string
		after    string
		wantIDs  []string
		wantNext string
	}{
		{name: "first page", wantIDs: want[:limit], wantNext: want[limit-1]},
		{name: "last page", after: want[limit-1], wantIDs: want[limit:], wantNext: ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			page, err := s.Todos(ctx, uid, todo.TodoQuery{Limit: limit, After: st.after})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if strings.Join(got, ",") != strings.Join(st.wantIDs, ",") || page.Next != st.wantNext {
				t.Fatalf("page = %v next %q, want %v next %q", got, page.Next, st.wantIDs, st.wantNext)
			}
		})
	}
}

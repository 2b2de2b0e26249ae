package dynamodb_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/todo"
)

// TestCountsAndFilterPartialPages: with items so large that a Query
// response holds at most four (the 1 MB limit), the counts follow
// LastEvaluatedKey to the partition's end and a filtered page is still
// full unless it is the last.
func TestCountsAndFilterPartialPages(t *testing.T) {
	s, ctx := MustOpen(t, NewConfig(t)), context.Background()
	uid := "01KB3QJ7M0A5Y6N9T2V8X4Z1QD"
	big := strings.Repeat("x", 300<<10)
	var done []string // newest first
	for i := range 12 {
		td := storetest.NewTodo(uid, big, time.Duration(i)*time.Second)
		td.Done = i%3 == 0
		if err := s.CreateTodo(ctx, td); err != nil {
			t.Fatal(err)
		}
		if td.Done {
			done = append([]string{td.ID}, done...)
		}
	}
	yes := true
	page, err := s.Todos(ctx, uid, todo.TodoQuery{Limit: 3, Done: &yes, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Counts == nil || *page.Counts != (todo.TodoCounts{Active: 8, Completed: 4}) {
		t.Fatalf("counts %+v, want 8 active, 4 completed", page.Counts)
	}
	var got []string
	for _, it := range page.Items {
		got = append(got, it.ID)
	}
	if strings.Join(got, ",") != strings.Join(done[:3], ",") || page.Next != done[2] {
		t.Fatalf("first done page %v next %q, want %v next %q", got, page.Next, done[:3], done[2])
	}
	page, err = s.Todos(ctx, uid, todo.TodoQuery{Limit: 3, Done: &yes, After: page.Next})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != done[3] || page.Next != "" || page.Counts != nil {
		t.Fatalf("last done page %+v", page)
	}
}

// itemBytes is an item's size as DynamoDB counts it for capacity: each
// attribute's name plus its value, a string by its UTF-8 bytes, a number
// by about one byte per two digits plus one, a Boolean one byte
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
func itemBytes(m map[string]types.AttributeValue) int {
	n := 0
	for name, v := range m {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += (len(strings.TrimLeft(v.Value, "-"))+1)/2 + 1
		case *types.AttributeValueMemberBOOL:
			n++
		}
	}
	return n
}

// TestListCost measures what the counting read of a first page costs at
// 10, 1,000 and 5,000 todos (titles of 30 bytes), as dynalite accounts it
// for the Query the engine makes (the same key condition, consistency and
// projection, with ReturnConsumedCapacity), and checks it against the
// documented rule: the sizes of the items read, summed per response and
// rounded up to 4 KB, one RCU per 4 KB strongly consistent. The page
// itself (51 items) costs 3 RCU whatever the list's length.
func TestListCost(t *testing.T) {
	cfg := NewConfig(t)
	s, ctx := MustOpen(t, cfg), context.Background()
	raw := rawClient(cfg)
	uid := "01KB3QJ7M0A5Y6N9T2V8X4Z1QD"
	have := 0
	for _, tc := range []struct{ n, maxRCU int }{{10, 1}, {1000, 60}, {5000, 300}} {
		ids := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ids {
					td := storetest.NewTodo(uid, fmt.Sprintf("Buy milk and bread, todo %05d", i), time.Duration(i)*time.Millisecond)
					td.Done = i%3 == 0
					if err := s.CreateTodo(ctx, td); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		for i := have; i < tc.n; i++ {
			ids <- i
		}
		close(ids)
		wg.Wait()
		have = tc.n

		in := &ddb.QueryInput{
			TableName:                 aws.String(cfg.TodosTable),
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ProjectionExpression:      aws.String("#done"),
			ExpressionAttributeNames:  map[string]string{"#pk": "userId", "#done": "done"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: uid}},
			ConsistentRead:            aws.Bool(true),
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		}
		var rcu float64
		calls := 0
		for {
			out, err := raw.Query(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			calls++
			rcu += aws.ToFloat64(out.ConsumedCapacity.CapacityUnits)
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
		// The documented rule, from the items as stored.
		full := &ddb.QueryInput{
			TableName:                 aws.String(cfg.TodosTable),
			KeyConditionExpression:    aws.String("userId = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: uid}},
			ConsistentRead:            aws.Bool(true),
		}
		want, bytes := 0.0, 0
		for {
			out, err := raw.Query(ctx, full)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, it := range out.Items {
				sum += itemBytes(it)
			}
			bytes += sum
			want += math.Ceil(float64(sum) / 4096)
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			full.ExclusiveStartKey = out.LastEvaluatedKey
		}
		if math.Abs(rcu-want) > float64(calls) {
			t.Errorf("%d todos: the count read cost %.0f RCU, the documented rule gives %.0f", tc.n, rcu, want)
		}
		if rcu > float64(tc.maxRCU) {
			t.Errorf("%d todos: the count read cost %.0f RCU, more than %d", tc.n, rcu, tc.maxRCU)
		}
		// The page: the engine's Query for a first page of 50 (51 items).
		pg, err := raw.Query(ctx, &ddb.QueryInput{
			TableName:                 aws.String(cfg.TodosTable),
			KeyConditionExpression:    aws.String("userId = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: uid}},
			ScanIndexForward:          aws.Bool(false),
			ConsistentRead:            aws.Bool(true),
			Limit:                     aws.Int32(todo.DefaultPageSize + 1),
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			t.Fatal(err)
		}
		page := aws.ToFloat64(pg.ConsumedCapacity.CapacityUnits)
		if page > 3 {
			t.Errorf("%d todos: the page cost %.0f RCU, want at most 3", tc.n, page)
		}
		t.Logf("%d todos (%d B an item): count read %d Query call(s), %.0f RCU strongly consistent (%.1f eventually); the page %.0f RCU",
			tc.n, bytes/tc.n, calls, rcu, rcu/2, page)
	}
}

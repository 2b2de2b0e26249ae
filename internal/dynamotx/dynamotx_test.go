package dynamotx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/internal/dynamotx"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

// endpoint is dynalite as every test and tool reaches it: through
// internal/devstack's StartDynalite, which serves it behind the layer.
func endpoint(tb testing.TB) string {
	tb.Helper()
	return dynalitetest.Endpoint(tb)
}

// client is the real SDK client the engines use, without retries so that
// each call is one request.
func client(endpoint string) *ddb.Client {
	return ddb.New(ddb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("dummy", "dummy", ""),
		RetryMaxAttempts: 1,
	})
}

var tableSeq atomic.Int64

// newTable creates a table with the string partition key pk, and the
// number sort key sk when sorted, and waits until it is active.
func newTable(t *testing.T, c *ddb.Client, sorted bool) string {
	t.Helper()
	name := fmt.Sprintf("tx%d_%s", tableSeq.Add(1), strings.ReplaceAll(t.Name(), "/", "_"))
	in := &ddb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}
	if sorted {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
	}
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	w := ddb.NewTableExistsWaiter(c, func(o *ddb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return name
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk)}
}

// counter is an item pk with the number attribute n.
func counter(pk string, v int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk), "n": n(v)}
}

func put(t *testing.T, c *ddb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

// get reads an item strongly consistently; nil when there is none.
func get(t testing.TB, c *ddb.Client, table string, k map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// num returns item's number attribute name, or -1 when the item or the
// attribute is missing.
func num(t testing.TB, item map[string]types.AttributeValue, name string) int {
	t.Helper()
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(v.Value)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// add is an Update that adds d to n, on condition cond (none when empty).
func add(table, pk string, d int, cond string, allOld bool) types.TransactWriteItem {
	u := &types.Update{
		TableName:                 aws.String(table),
		Key:                       key(pk),
		UpdateExpression:          aws.String("ADD n :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": n(d)},
	}
	if cond != "" {
		u.ConditionExpression = aws.String(cond)
	}
	if strings.Contains(cond, ":zero") {
		u.ExpressionAttributeValues[":zero"] = n(0)
	}
	if allOld {
		u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return types.TransactWriteItem{Update: u}
}

func write(c *ddb.Client, items ...types.TransactWriteItem) error {
	_, err := c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{TransactItems: items})
	return err
}

// cancelled returns the reasons of a TransactionCanceledException, failing
// the test on any other outcome.
func cancelled(t *testing.T, err error) []types.CancellationReason {
	t.Helper()
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("err = %v, want a TransactionCanceledException", err)
	}
	return tce.CancellationReasons
}

// wantReasons checks each reason's code (and its Item: the number n it
// holds, or none when -1).
func wantReasons(t *testing.T, got []types.CancellationReason, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d reasons, want %d (%v)", len(got), len(want), want)
	}
	for i, r := range got {
		code, item, _ := strings.Cut(want[i], ":")
		if aws.ToString(r.Code) != code {
			t.Errorf("reason %d: code %q, want %q", i, aws.ToString(r.Code), code)
		}
		switch code {
		case "None":
			if r.Message != nil || r.Item != nil {
				t.Errorf("reason %d: None with message %q and item %v", i, aws.ToString(r.Message), r.Item)
			}
		case "ConditionalCheckFailed":
			if aws.ToString(r.Message) != "The conditional request failed" {
				t.Errorf("reason %d: message %q", i, aws.ToString(r.Message))
			}
		}
		if item == "" {
			if r.Item != nil {
				t.Errorf("reason %d: item %v, want none", i, r.Item)
			}
		} else if got := num(t, r.Item, "n"); strconv.Itoa(got) != item {
			t.Errorf("reason %d: item's n = %d, want %s", i, got, item)
		}
	}
}

// apiCode returns the error code an SDK call failed with.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

func TestAllApplied(t *testing.T) {
	c := client(endpoint(t))
	a, b := newTable(t, c, false), newTable(t, c, false)
	put(t, c, a, counter("upd", 1))
	put(t, c, a, counter("del", 7))
	put(t, c, b, counter("chk", 3))
	out, err := c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(b), Item: counter("new", 5), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			add(a, "upd", 2, "n > :zero", false),
			{Delete: &types.Delete{TableName: aws.String(a), Key: key("del"), ConditionExpression: aws.String("attribute_exists(pk)")}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String(b), Key: key("chk"),
				ConditionExpression: aws.String("n = :three"), ExpressionAttributeValues: map[string]types.AttributeValue{":three": n(3)}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := num(t, get(t, c, b, key("new")), "n"); got != 5 {
		t.Errorf("put item: n = %d, want 5", got)
	}
	if got := num(t, get(t, c, a, key("upd")), "n"); got != 3 {
		t.Errorf("updated item: n = %d, want 3", got)
	}
	if got := get(t, c, a, key("del")); got != nil {
		t.Errorf("deleted item still there: %v", got)
	}
	if got := get(t, c, b, key("chk")); num(t, got, "n") != 3 || len(got) != 2 {
		t.Errorf("checked item changed: %v", got)
	}
	// One ConsumedCapacity per table, in the order the tables first appear,
	// at the transactional rate (twice the single calls').
	if len(out.ConsumedCapacity) != 2 || aws.ToString(out.ConsumedCapacity[0].TableName) != b || aws.ToString(out.ConsumedCapacity[1].TableName) != a {
		t.Fatalf("ConsumedCapacity = %+v, want tables %s then %s", out.ConsumedCapacity, b, a)
	}
	for _, cc := range out.ConsumedCapacity {
		if u := aws.ToFloat64(cc.CapacityUnits); u < 4 {
			t.Errorf("%s: %v capacity units, want at least 2 per item", aws.ToString(cc.TableName), u)
		}
	}

	// Not asked: no ConsumedCapacity.
	out, err = c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{add(a, "upd", 1, "", false)}})
	if err != nil {
		t.Fatal(err)
	}
	if out.ConsumedCapacity != nil || out.ItemCollectionMetrics != nil {
		t.Errorf("unasked: %+v, %+v", out.ConsumedCapacity, out.ItemCollectionMetrics)
	}
}

// TestOneConditionFails: one item's condition fails, so nothing is
// changed, and each item has its reason in request order.
func TestOneConditionFails(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	put(t, c, tb, counter("a", 1))
	put(t, c, tb, counter("b", 5))
	put(t, c, tb, counter("d", 0))
	err := write(c,
		types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb), Item: counter("c", 9)}},
		add(tb, "a", 1, "", false),
		types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb), Item: counter("b", 6)}},
		types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(tb), Key: key("e")}}, // no item: nothing to undo
		add(tb, "d", -1, "n > :zero", true),
	)
	wantReasons(t, cancelled(t, err), "None", "None", "None", "None", "ConditionalCheckFailed:0")
	var tce *types.TransactionCanceledException
	errors.As(err, &tce)
	if want := "Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, None, None, ConditionalCheckFailed]"; tce.ErrorMessage() != want {
		t.Errorf("message %q, want %q", tce.ErrorMessage(), want)
	}
	if got := get(t, c, tb, key("c")); got != nil {
		t.Errorf("put of a new item not undone: %v", got)
	}
	for pk, want := range map[string]int{"a": 1, "b": 5, "d": 0} {
		if got := get(t, c, tb, key(pk)); num(t, got, "n") != want || len(got) != 2 {
			t.Errorf("%s = %v, want n %d as before", pk, got, want)
		}
	}
	if got := get(t, c, tb, key("e")); got != nil {
		t.Errorf("e = %v, want none", got)
	}
}

// TestSeveralFail: every failing item is reported, not only the first;
// Item only where ALL_OLD was asked and the item exists.
func TestSeveralFail(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	put(t, c, tb, counter("a", 0))
	put(t, c, tb, counter("b", 4))
	put(t, c, tb, counter("c", 0))
	put(t, c, tb, counter("p", 0))
	err := write(c,
		add(tb, "a", -1, "n > :zero", true),
		add(tb, "b", -1, "n > :zero", true),
		add(tb, "c", -1, "n > :zero", false),
		add(tb, "missing", 1, "attribute_exists(pk)", true),
		types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb), Item: counter("p", 7),
			ConditionExpression: aws.String("attribute_not_exists(pk)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
	)
	wantReasons(t, cancelled(t, err), "ConditionalCheckFailed:0", "None", "ConditionalCheckFailed", "ConditionalCheckFailed", "ConditionalCheckFailed:0")
	for pk, want := range map[string]int{"a": 0, "b": 4, "c": 0, "p": 0} {
		if got := num(t, get(t, c, tb, key(pk)), "n"); got != want {
			t.Errorf("%s: n = %d, want %d", pk, got, want)
		}
	}
	if got := get(t, c, tb, key("missing")); got != nil {
		t.Errorf("missing = %v", got)
	}
}

// TestConditionCheckLeavesNoItem: a ConditionCheck whose condition holds
// for a missing item leaves no item behind, whether the transaction
// succeeds or is cancelled.
func TestConditionCheckLeavesNoItem(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	put(t, c, tb, counter("zero", 0))
	check := types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tb), Key: key("ghost"),
		ConditionExpression: aws.String("attribute_not_exists(pk)")}}
	if err := write(c, check, add(tb, "x", 1, "", false)); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, tb, key("ghost")); got != nil {
		t.Errorf("succeeded: the checked item exists: %v", got)
	}
	err := write(c, check, add(tb, "zero", -1, "n > :zero", false))
	wantReasons(t, cancelled(t, err), "None", "ConditionalCheckFailed")
	if got := get(t, c, tb, key("ghost")); got != nil {
		t.Errorf("cancelled: the checked item exists: %v", got)
	}
	// A failing check on a missing item, ALL_OLD asked: no Item to give.
	err = write(c, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tb), Key: key("ghost"),
		ConditionExpression: aws.String("attribute_exists(pk)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}})
	wantReasons(t, cancelled(t, err), "ConditionalCheckFailed")
	if got := num(t, get(t, c, tb, key("x")), "n"); got != 1 {
		t.Errorf("x: n = %d, want 1", got)
	}
}

// TestRefusals: the rules the API reference states for a request's shape,
// each refused with a ValidationException before anything is applied.
func TestRefusals(t *testing.T) {
	c := client(endpoint(t))
	tb, sorted := newTable(t, c, false), newTable(t, c, true)
	puts := func(k int) []types.TransactWriteItem {
		var items []types.TransactWriteItem
		for i := range k {
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb), Item: counter(fmt.Sprintf("p%d", i), i)}})
		}
		return items
	}
	both := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb), Item: counter("q", 1)}, Delete: &types.Delete{TableName: aws.String(tb), Key: key("q")}}
	sortedKey := func(sk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": s("k"), "sk": &types.AttributeValueMemberN{Value: sk}}
	}
	for _, tt := range []struct {
		name  string
		items []types.TransactWriteItem
		want  string // in the message
	}{
		{"101 items", puts(101), "Member must have length less than or equal to 100"},
		{"put and check of one item", append(puts(2), types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tb), Key: key("p1"),
			ConditionExpression: aws.String("attribute_exists(pk)")}}), "Transaction request cannot include multiple operations on one item"},
		{"one number key spelled twice", []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(sorted), Item: sortedKey("1")}},
			{Delete: &types.Delete{TableName: aws.String(sorted), Key: sortedKey("1.0")}}}, "Transaction request cannot include multiple operations on one item"},
		{"two actions in one item", []types.TransactWriteItem{both}, "TransactItems can only contain one of Check, Put, Update or Delete"},
		{"no action", []types.TransactWriteItem{{}}, "TransactItems can only contain one of Check, Put, Update or Delete"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := write(c, tt.items...)
			if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a ValidationException saying %q", err, tt.want)
			}
			if got := get(t, c, tb, key("p0")); got != nil {
				t.Errorf("an item was applied: %v", got)
			}
			if got := get(t, c, sorted, sortedKey("1")); got != nil {
				t.Errorf("an item was applied: %v", got)
			}
		})
	}
	// 100 items is the limit, not over it.
	if err := write(c, puts(100)...); err != nil {
		t.Fatalf("100 items: %v", err)
	}
	if got := num(t, get(t, c, tb, key("p99")), "n"); got != 99 {
		t.Errorf("p99: n = %d, want 99", got)
	}
}

// TestServerRefusalUndoes: an item the server refuses (here a Put without
// its key) refuses the whole transaction with the server's own error, and
// the items applied before it are undone.
func TestServerRefusalUndoes(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	put(t, c, tb, counter("a", 1))
	err := write(c, add(tb, "a", 1, "", false), types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb),
		Item: map[string]types.AttributeValue{"n": n(1)}}})
	if apiCode(err) != "ValidationException" {
		t.Fatalf("err = %v, want dynalite's ValidationException", err)
	}
	if got := num(t, get(t, c, tb, key("a")), "n"); got != 1 {
		t.Errorf("a: n = %d, want 1 (undone)", got)
	}
	err = write(c, types.TransactWriteItem{Put: &types.Put{TableName: aws.String("no_such_table"), Item: counter("a", 1)}})
	if apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("missing table: err = %v, want ResourceNotFoundException", err)
	}
}

// clock is a settable clock for the token window.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// layer serves a Handler of its own in front of the shared dynalite (its
// transactions go to dynalite as plain calls), with options.
func layer(t *testing.T, o dynamotx.Options) string {
	t.Helper()
	h, err := dynamotx.New(endpoint(t), o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestClientRequestToken(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	c := client(layer(t, dynamotx.Options{Now: clk.now}))
	tb := newTable(t, c, false)
	tx := func(token string, d int) error {
		_, err := c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{
			ClientRequestToken: aws.String(token), TransactItems: []types.TransactWriteItem{add(tb, "a", d, "", false)}})
		return err
	}
	value := func() int { return num(t, get(t, c, tb, key("a")), "n") }
	if err := tx("t1", 1); err != nil {
		t.Fatal(err)
	}
	clk.add(dynamotx.TokenWindow - time.Second)
	// The same request again within the window: success, nothing applied.
	if err := tx("t1", 1); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if got := value(); got != 1 {
		t.Fatalf("after replay n = %d, want 1", got)
	}
	// The same token with other parameters: refused.
	var mismatch *types.IdempotentParameterMismatchException
	if err := tx("t1", 2); !errors.As(err, &mismatch) {
		t.Fatalf("other parameters: err = %v, want IdempotentParameterMismatchException", err)
	}
	if got := value(); got != 1 {
		t.Fatalf("after mismatch n = %d, want 1", got)
	}
	// Once the window has passed, the token is a new request.
	clk.add(time.Minute)
	if err := tx("t1", 2); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if got := value(); got != 3 {
		t.Fatalf("after the window n = %d, want 3", got)
	}
	// A cancelled transaction is not remembered: its token may run again.
	cond := func(token string) error {
		_, err := c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{
			ClientRequestToken: aws.String(token), TransactItems: []types.TransactWriteItem{add(tb, "b", 1, "attribute_exists(pk)", false)}})
		return err
	}
	cancelled(t, cond("t2"))
	put(t, c, tb, counter("b", 0))
	if err := cond("t2"); err != nil {
		t.Fatalf("token of a cancelled transaction: %v", err)
	}
	if got := num(t, get(t, c, tb, key("b")), "n"); got != 1 {
		t.Errorf("b: n = %d, want 1", got)
	}
	// Without a token of its own, the SDK gives every call a fresh one:
	// two calls apply twice.
	for range 2 {
		if err := write(c, add(tb, "c", 1, "", false)); err != nil {
			t.Fatal(err)
		}
	}
	if got := num(t, get(t, c, tb, key("c")), "n"); got != 2 {
		t.Errorf("c: n = %d, want 2", got)
	}
}

// TestTokenComparesMeaning: a replay whose JSON members come in another
// order and spacing is the same request (the SDK writes maps in random
// order).
func TestTokenComparesMeaning(t *testing.T) {
	url := layer(t, dynamotx.Options{})
	c := client(url)
	tb := newTable(t, c, false)
	body := func(order bool) string {
		vals := `{":a":{"N":"1"},":b":{"N":"2"}}`
		if order {
			vals = `{ ":b": {"N":"2"}, ":a": {"N":"1"} }`
		}
		return `{"ClientRequestToken":"tok","TransactItems":[{"Update":{"TableName":"` + tb +
			`","Key":{"pk":{"S":"a"}},"UpdateExpression":"ADD n :a, m :b","ExpressionAttributeValues":` + vals + `}}]}`
	}
	for _, order := range []bool{false, true} {
		if code, b := post(t, url, "TransactWriteItems", body(order)); code != 200 || b != "{}" {
			t.Fatalf("order %v: %d %s", order, code, b)
		}
	}
	if got := num(t, get(t, c, tb, key("a")), "n"); got != 1 {
		t.Errorf("n = %d, want 1: the replay was applied", got)
	}
}

// post sends a raw DynamoDB JSON request, signed in form only (dynalite
// checks no signature).
func post(t *testing.T, url, op, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("X-Amz-Date", "20260102T030405Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=dummy/20260102/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// failingWrites is a transport that refuses every PutItem and DeleteItem
// while broken is set: the server gone in the middle of an undo.
type failingWrites struct {
	broken atomic.Bool
}

func (f *failingWrites) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	if f.broken.Load() && (strings.HasSuffix(op, ".PutItem") || strings.HasSuffix(op, ".DeleteItem")) {
		return nil, errors.New("connection refused (test)")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestUndoFailureIsNotSilent: when the undo of a cancelled transaction
// fails, the answer is InternalServerError, not a cancellation that would
// claim nothing changed.
func TestUndoFailureIsNotSilent(t *testing.T) {
	tr := &failingWrites{}
	c := client(layer(t, dynamotx.Options{Transport: tr}))
	tb := newTable(t, c, false)
	put(t, c, tb, counter("a", 1))
	put(t, c, tb, counter("z", 0))
	tr.broken.Store(true)
	err := write(c, add(tb, "a", 1, "", false), add(tb, "z", -1, "n > :zero", false))
	var ise *types.InternalServerError
	if !errors.As(err, &ise) || !strings.Contains(ise.ErrorMessage(), "could not be undone") {
		t.Fatalf("err = %v, want InternalServerError saying the undo failed", err)
	}
	tr.broken.Store(false)
	if got := num(t, get(t, c, tb, key("a")), "n"); got != 2 {
		t.Errorf("a: n = %d; the test expects the failed undo to leave 2", got)
	}
}

func TestTransactGetItems(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	put(t, c, tb, map[string]types.AttributeValue{"pk": s("a"), "n": n(1), "x": s("big")})
	out, err := c.TransactGetItems(context.Background(), &ddb.TransactGetItemsInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactGetItem{
			{Get: &types.Get{TableName: aws.String(tb), Key: key("missing")}},
			{Get: &types.Get{TableName: aws.String(tb), Key: key("a"), ProjectionExpression: aws.String("#n"),
				ExpressionAttributeNames: map[string]string{"#n": "n"}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 2 || out.Responses[0].Item != nil || len(out.Responses[1].Item) != 1 || num(t, out.Responses[1].Item, "n") != 1 {
		t.Fatalf("Responses = %+v, want none, then {n: 1}", out.Responses)
	}
	if len(out.ConsumedCapacity) != 1 || aws.ToString(out.ConsumedCapacity[0].TableName) != tb {
		t.Errorf("ConsumedCapacity = %+v", out.ConsumedCapacity)
	}
}

// TestRefusedShapes sends, as raw JSON, requests the SDK would not let
// through (it checks required members itself): the layer refuses them as
// DynamoDB does, with every problem listed.
func TestRefusedShapes(t *testing.T) {
	url := endpoint(t)
	tb := newTable(t, client(url), false)
	for _, tt := range []struct {
		name, op, body, want string
	}{
		{"update without expression", "TransactWriteItems",
			`{"TransactItems":[{"Update":{"TableName":"` + tb + `","Key":{"pk":{"S":"a"}}}}]}`,
			`"1 validation error detected: Value null at 'transactItems.1.member.update.updateExpression' failed to satisfy constraint: Member must not be null"`},
		{"check without condition or key", "TransactWriteItems",
			`{"TransactItems":[{"ConditionCheck":{"TableName":"` + tb + `"}}]}`,
			`"2 validation errors detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null; ` +
				`Value null at 'transactItems.1.member.conditionCheck.key' failed to satisfy constraint: Member must not be null"`},
		{"no items", "TransactWriteItems", `{}`, `"1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null"`},
		{"empty items", "TransactWriteItems", `{"TransactItems":[]}`, `Member must have length greater than or equal to 1`},
		{"token too long", "TransactWriteItems",
			`{"ClientRequestToken":"` + strings.Repeat("t", 37) + `","TransactItems":[{"Delete":{"TableName":"` + tb + `","Key":{"pk":{"S":"a"}}}}]}`,
			`at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36`},
		{"bad ReturnValuesOnConditionCheckFailure", "TransactWriteItems",
			`{"TransactItems":[{"Delete":{"TableName":"` + tb + `","Key":{"pk":{"S":"a"}},"ReturnValuesOnConditionCheckFailure":"ALL_NEW"}}]}`,
			`Value 'ALL_NEW' at 'transactItems.1.member.delete.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`},
		{"get without Get", "TransactGetItems", `{"TransactItems":[{}]}`,
			`Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(t, url, tt.op, tt.body)
			if code != http.StatusBadRequest || !strings.Contains(body, `"__type":"com.amazon.coral.validate#ValidationException"`) || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s, want 400, a ValidationException saying %s", code, body, tt.want)
			}
		})
	}
	if code, body := post(t, url, "TransactWriteItems", `{"TransactItems":`); code != http.StatusBadRequest || !strings.Contains(body, "SerializationException") {
		t.Errorf("broken JSON: %d %s, want a SerializationException", code, body)
	}
}

// TestTableRecreated: the key schema a transaction reads is forgotten when
// a table is deleted or created through the layer, so a table that comes
// back under its name with a sort key has its items told apart by it.
func TestTableRecreated(t *testing.T) {
	c := client(endpoint(t))
	ctx := context.Background()
	tb := newTable(t, c, false)
	if err := write(c, add(tb, "a", 1, "", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String(tb)}); err != nil {
		t.Fatal(err)
	}
	w := ddb.NewTableNotExistsWaiter(c, func(o *ddb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(tb)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String(tb), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
	}); err != nil {
		t.Fatal(err)
	}
	wc := ddb.NewTableExistsWaiter(c, func(o *ddb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := wc.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(tb)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	item := func(sk int) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb), Item: map[string]types.AttributeValue{"pk": s("a"), "sk": n(sk)}}}
	}
	if err := write(c, item(1), item(2)); err != nil {
		t.Fatalf("two items that differ by their sort key: %v", err)
	}
}

// TestCapacity: ConsumedCapacity with INDEXES carries the table's part;
// a replay under its token reports read units, one per item.
func TestCapacity(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	in := &ddb.TransactWriteItemsInput{
		ClientRequestToken: aws.String("capacity"), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
		TransactItems: []types.TransactWriteItem{add(tb, "a", 1, "", false), add(tb, "b", 1, "", false)},
	}
	out, err := c.TransactWriteItems(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConsumedCapacity) != 1 || out.ConsumedCapacity[0].Table == nil || aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits) != 4 ||
		aws.ToFloat64(out.ConsumedCapacity[0].Table.CapacityUnits) != 4 {
		t.Errorf("ConsumedCapacity = %+v, want 4 units (2 small items at 2 each), the table's too", out.ConsumedCapacity)
	}
	out, err = c.TransactWriteItems(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConsumedCapacity) != 1 || aws.ToFloat64(out.ConsumedCapacity[0].ReadCapacityUnits) != 2 {
		t.Errorf("replay: ConsumedCapacity = %+v, want 2 read units", out.ConsumedCapacity)
	}
	if got := num(t, get(t, c, tb, key("a")), "n"); got != 1 {
		t.Errorf("a: n = %d, want 1", got)
	}
}

func TestNewRefusesABadUpstream(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8000", "ftp://host", "http://"} {
		if _, err := dynamotx.New(u, dynamotx.Options{}); err == nil {
			t.Errorf("New(%q) = nil error", u)
		}
	}
}

// TestListen: a Server serves on its URL until Close, which may be called
// again.
func TestListen(t *testing.T) {
	srv, err := dynamotx.Listen("127.0.0.1:0", endpoint(t), dynamotx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := client(srv.URL)
	tb := newTable(t, c, false)
	if err := write(c, add(tb, "a", 1, "", false)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(srv.URL); err == nil {
		t.Error("the layer still answers after Close")
	}
}

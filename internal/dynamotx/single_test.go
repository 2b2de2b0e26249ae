package dynamotx_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// failedItem returns the Item of err, a ConditionalCheckFailedException
// (nil when it has none); it fails the test for any other error.
func failedItem(t testing.TB, err error) map[string]types.AttributeValue {
	t.Helper()
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("err = %v, want ConditionalCheckFailedException", err)
	}
	return ccf.Item
}

var allOld = types.ReturnValuesOnConditionCheckFailureAllOld

// TestSingleWriteAllOld: a PutItem, UpdateItem or DeleteItem that asks for
// ReturnValuesOnConditionCheckFailure ALL_OLD gets the item its condition
// failed on in the error, as DynamoDB answers (dynalite alone gives none);
// none when there is no item or when it did not ask; and a write whose
// condition holds is the server's as before.
func TestSingleWriteAllOld(t *testing.T) {
	c := client(endpoint(t))
	table := newTable(t, c, false)
	put(t, c, table, counter("a", 5))
	ctx := context.Background()
	wantA := func(t *testing.T, item map[string]types.AttributeValue) {
		t.Helper()
		if num(t, item, "n") != 5 || item["pk"].(*types.AttributeValueMemberS).Value != "a" {
			t.Fatalf("Item = %v, want a with n 5", item)
		}
	}
	five := map[string]types.AttributeValue{":v": n(5)}
	four := map[string]types.AttributeValue{":v": n(4)}

	t.Run("update", func(t *testing.T) {
		_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String(table), Key: key("a"),
			UpdateExpression: aws.String("SET n = n + :v"), ConditionExpression: aws.String("n = :v"),
			ExpressionAttributeValues: four, ReturnValuesOnConditionCheckFailure: allOld})
		wantA(t, failedItem(t, err))
	})
	t.Run("put", func(t *testing.T) {
		_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(table), Item: counter("a", 9),
			ConditionExpression: aws.String("attribute_not_exists(pk)"), ReturnValuesOnConditionCheckFailure: allOld})
		wantA(t, failedItem(t, err))
	})
	t.Run("delete", func(t *testing.T) {
		_, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String(table), Key: key("a"),
			ConditionExpression: aws.String("n = :v"), ExpressionAttributeValues: four, ReturnValuesOnConditionCheckFailure: allOld})
		wantA(t, failedItem(t, err))
	})
	t.Run("no item", func(t *testing.T) {
		_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String(table), Key: key("none"),
			UpdateExpression: aws.String("SET n = :v"), ConditionExpression: aws.String("attribute_exists(pk)"),
			ExpressionAttributeValues: five, ReturnValuesOnConditionCheckFailure: allOld})
		if item := failedItem(t, err); item != nil {
			t.Fatalf("Item = %v, want none: there is no item", item)
		}
	})
	t.Run("not asked", func(t *testing.T) {
		_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String(table), Key: key("a"),
			UpdateExpression: aws.String("SET n = n + :v"), ConditionExpression: aws.String("n = :v"),
			ExpressionAttributeValues: four})
		if item := failedItem(t, err); item != nil {
			t.Fatalf("Item = %v, want none: the write did not ask", item)
		}
	})
	t.Run("condition holds", func(t *testing.T) {
		out, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String(table), Key: key("a"),
			UpdateExpression: aws.String("SET n = n + :v"), ConditionExpression: aws.String("n = :v"),
			ExpressionAttributeValues: five, ReturnValues: types.ReturnValueAllNew, ReturnValuesOnConditionCheckFailure: allOld})
		if err != nil {
			t.Fatal(err)
		}
		if got := num(t, out.Attributes, "n"); got != 10 {
			t.Fatalf("ALL_NEW n = %d, want 10", got)
		}
		if got := num(t, get(t, c, table, key("a")), "n"); got != 10 {
			t.Fatalf("stored n = %d, want 10", got)
		}
	})
}

// TestSingleWriteAllOldRace: the item in the error is the one the
// condition failed on, even while other writes change it. Writers flip n
// between 0 and 1; a checker writes "if n = 0" and, on each refusal, must
// be shown n = 1. If the layer read the item after releasing the server to
// other requests, a flip back to 0 between the refusal and the read would
// show n = 0.
func TestSingleWriteAllOldRace(t *testing.T) {
	c := client(endpoint(t))
	table := newTable(t, c, false)
	put(t, c, table, counter("f", 1))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i++ {
				_, _ = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(table), Item: counter("f", i%2)})
			}
		})
	}
	refused, wrong := 0, 0
	for range 150 {
		_, err := c.UpdateItem(context.Background(), &ddb.UpdateItemInput{TableName: aws.String(table), Key: key("f"),
			UpdateExpression: aws.String("SET seen = :z"), ConditionExpression: aws.String("n = :z"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":z": n(0)}, ReturnValuesOnConditionCheckFailure: allOld})
		if err == nil {
			continue
		}
		refused++
		if got := num(t, failedItem(t, err), "n"); got != 1 {
			wrong++
		}
	}
	cancel()
	wg.Wait()
	if refused == 0 {
		t.Fatal("no write was refused: the race did not run")
	}
	if wrong > 0 {
		t.Fatalf("%d of %d refusals showed an item whose n is not 1, the value the condition failed on", wrong, refused)
	}
	t.Logf("%d of 150 conditional writes refused, each with the item it failed on", refused)
}

package dynamodb

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

var _ todo.AtomicWriter = (*Store)(nil)

// atomicAttempts bounds AtomicWrite's calls when DynamoDB cancels a
// transaction for a conflict with another write on one of its items
// (nothing applied): after that it answers a contention refusal, and the
// caller takes its call-by-call path.
const atomicAttempts = 3

// AtomicWrite implements todo.AtomicWriter with one TransactWriteItems
// call (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html):
// "The actions are completed atomically so that either all of them
// succeed, or all of them fail", at most 100 of them, no two on one item.
// Each write is the Put, Update, Delete or ConditionCheck of the item the
// single-item call writes: the same field codec, the writeIDAttr token (one
// per call), the keys table's "expires"; each with
// ReturnValuesOnConditionCheckFailure ALL_OLD.
//
// A failed condition cancels the transaction with a
// TransactionCanceledException whose CancellationReasons hold one entry
// per item, in order, "ConditionalCheckFailed" for the items whose
// condition failed (and "None" for the others): those indexes are the
// refusal. A reason "TransactionConflict" (another write on one of the
// items was in progress) cancels it with nothing applied, so the call is
// made again, at most atomicAttempts times, then answered as a contention
// refusal.
//
// The call carries a ClientRequestToken, so the SDK's resends of a call
// whose answer was lost (a broken connection, a timeout) are idempotent:
// "multiple identical calls have the same effect as one single call"
// within ten minutes (the API reference above). Should a resend still meet
// its own first attempt's items (a failed condition on an item holding the
// call's token), the transaction was applied and the call reports
// success. A failure with no answer after the SDK's attempts is returned
// as it is (Unavailable for the transient ones): the writes may have been
// applied, or not.
//
// Transactional writes cost two write units per KB of each item, twice a
// single write's (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html,
// "Capacity management for transactions");
// a ConditionCheck costs as a write too.
func (s *Store) AtomicWrite(ctx context.Context, ws []todo.Write) error {
	if err := todo.CheckWrites(ws); err != nil {
		return err
	}
	for range atomicAttempts {
		id := newWriteID()
		items := make([]types.TransactWriteItem, len(ws))
		now := number(s.now().Unix())
		for i, w := range ws {
			items[i] = s.transactItem(w, id, now)
		}
		_, err := s.client.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
			TransactItems:      items,
			ClientRequestToken: aws.String(id),
		})
		if err == nil {
			return nil
		}
		var tc *types.TransactionCanceledException
		if !errors.As(err, &tc) {
			return fmt.Errorf("dynamodb: atomic write: %w", err)
		}
		failed, contended, own, err := cancelled(tc, len(ws), id)
		switch {
		case err != nil:
			return err
		case own:
			return nil // a resend met this call's own first attempt, applied
		case failed != nil:
			return &todo.Refusal{Failed: failed}
		case !contended:
			return fmt.Errorf("dynamodb: atomic write: cancelled without a reason: %w", tc)
		}
	}
	return &todo.Refusal{}
}

// cancelled reads a cancelled transaction's reasons: the indexes whose
// condition failed, whether another write was in the way, and whether a
// failed condition met an item holding the call's token id.
func cancelled(tc *types.TransactionCanceledException, n int, id string) (failed []int, contended, own bool, err error) {
	for i, r := range tc.CancellationReasons {
		switch code := aws.ToString(r.Code); code {
		case "", "None":
		case "ConditionalCheckFailed":
			if i >= n {
				return nil, false, false, fmt.Errorf("dynamodb: atomic write: reason %d of %d writes", i, n)
			}
			failed = append(failed, i)
			own = own || ownWrite(r.Item, id)
		case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
			contended = true // nothing applied; the same call may pass a moment later
		default:
			return nil, false, false, fmt.Errorf("dynamodb: atomic write: item %d: %s: %s", i, code, aws.ToString(r.Message))
		}
	}
	return failed, contended, own, nil
}

// transactItem is w as one item of a TransactWriteItems call whose token
// is id, at now (epoch seconds, for the keys table's expiry conditions).
func (s *Store) transactItem(w todo.Write, id string, now types.AttributeValue) types.TransactWriteItem {
	old := types.ReturnValuesOnConditionCheckFailureAllOld
	switch w.Op {
	case todo.OpCreateTodo, todo.OpUpdateTodo:
		version, cond := int64(1), "attribute_not_exists(#sk)"
		names := map[string]string{"#sk": "id"}
		var values map[string]types.AttributeValue
		if w.Op == todo.OpUpdateTodo {
			version, cond = w.Todo.Version+1, "attribute_exists(#sk) AND #v = :v"
			names = withNames(names)
			values = map[string]types.AttributeValue{":v": number(w.Todo.Version)}
		}
		it := newTodoItem(&w.Todo, version)
		item := encodeFields(it.fields())
		item[writeIDAttr] = str(id)
		return types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.todos), Item: item, ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValuesOnConditionCheckFailure: old,
		}}
	case todo.OpDeleteTodo:
		d := &types.Delete{TableName: aws.String(s.todos), Key: todoKey(w.Todo.UserID, w.Todo.ID),
			ConditionExpression: aws.String("attribute_exists(#sk)"), ExpressionAttributeNames: map[string]string{"#sk": "id"},
			ReturnValuesOnConditionCheckFailure: old}
		if w.Todo.Version != 0 {
			d.ConditionExpression, d.ExpressionAttributeNames = aws.String("#v = :v"), names
			d.ExpressionAttributeValues = map[string]types.AttributeValue{":v": number(w.Todo.Version)}
		}
		return types.TransactWriteItem{Delete: d}
	case todo.OpClaim:
		item := encodeFields((&claimItem{Key: claimPrefix + w.Key, Value: w.Value, Expires: epochCeil(w.Expires)}).fields())
		item[writeIDAttr] = str(id)
		return types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.keys), Item: item, ConditionExpression: aws.String(absentOrExpired),
			ExpressionAttributeNames: keyNames, ExpressionAttributeValues: map[string]types.AttributeValue{":now": now},
			ReturnValuesOnConditionCheckFailure: old,
		}}
	case todo.OpCheckCount:
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.keys), Key: keyKey(counterPrefix + w.Key),
			ConditionExpression:                 aws.String("#n = :c AND #e > :now"),
			ExpressionAttributeNames:            map[string]string{"#n": "count", "#e": "expires"},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":c": number(w.Count), ":now": now},
			ReturnValuesOnConditionCheckFailure: old,
		}}
	}
	// The counter cases of AddCount (counters.go), with its expressions.
	u := &types.Update{TableName: aws.String(s.keys), Key: keyKey(counterPrefix + w.Key),
		ExpressionAttributeNames: withWriteID(counterNames), ReturnValuesOnConditionCheckFailure: old}
	exp := number(epochCeil(w.Expires))
	if w.Op == todo.OpCountInRange {
		delete(u.ExpressionAttributeNames, "#k")
		u.UpdateExpression = aws.String("SET #n = #n + :d, #e = :exp, #w = :w")
		u.ConditionExpression = aws.String("#n >= :lo AND #n <= :hi AND #e > :now")
		u.ExpressionAttributeValues = map[string]types.AttributeValue{":d": number(w.Delta), ":exp": exp, ":w": str(id),
			":lo": number(max(w.Floor, w.Floor-w.Delta)), ":hi": number(w.Ceiling - w.Delta), ":now": now}
		return types.TransactWriteItem{Update: u}
	}
	cond := "attribute_not_exists(#k) OR #e <= :now OR #n < :floor"
	if w.Delta < 0 || w.Floor+w.Delta > w.Ceiling {
		cond = "attribute_exists(#k) AND attribute_not_exists(#k) AND #e <= :now AND #n < :floor" // never: no room over the floor
	}
	u.UpdateExpression = aws.String("SET #n = :new, #e = :exp, #w = :w")
	u.ConditionExpression = aws.String(cond)
	u.ExpressionAttributeValues = map[string]types.AttributeValue{":new": number(w.Floor + w.Delta), ":exp": exp,
		":w": str(id), ":now": now, ":floor": number(w.Floor)}
	return types.TransactWriteItem{Update: u}
}

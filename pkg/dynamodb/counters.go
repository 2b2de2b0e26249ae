package dynamodb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// counterPrefix is the keys-table prefix of the counters of AddCount:
// items {key, count, expires}.
const counterPrefix = "count:"

// counterAttempts bounds AddCount's round trips. Each one after the first
// two runs only because another caller changed the counter in between, and
// the next finds it changed: in practice a take is one write, a take from a
// bucket that refilled two.
const counterAttempts = 6

var counterNames = map[string]string{"#k": "key", "#n": "count", "#e": "expires"}

// AddCount implements todo.CounterStore with conditional UpdateItem calls,
// never a read followed by a write.
//
// The first call does the common case atomically: SET count =
// if_not_exists(count, floor) + delta on condition that the counter is
// missing (if floor+delta is allowed) or unexpired with a count from which
// delta stays within [floor, ceiling]. DynamoDB evaluates the condition and
// applies the update as one atomic step, and ReturnValues UPDATED_NEW
// returns the new count (UpdateItem, Condition expressions:
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html,
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
// Expressions cannot take a maximum, so a counter below floor (a bucket
// that refilled while idle) or expired (the TTL deletes items only lazily,
// within days: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html)
// fails that condition; the item the failure returns
// (ReturnValuesOnConditionCheckFailure ALL_OLD, which costs no read; a
// strongly consistent GetItem where a server such as dynalite returns none)
// tells such a counter from a spent one. A spent one is refused with what
// it holds; a low or expired one gets one more UpdateItem that SETs
// floor+delta on condition that it is still low, expired or missing. Only
// if another caller changed the counter between the two does AddCount go
// round again.
//
// An update resent after its answer was lost would count twice, so both
// UpdateItem calls run without the SDK's resends (aws.NopRetryer for the
// call) and SET writeIDAttr to the call's token. When one fails other than
// by its condition (a timeout, a broken connection, throttling), the item
// is read back: if it holds the call's token, the update landed and the
// count read is the answer; otherwise AddCount reports the failure
// (Unavailable for those), and the update may or may not have landed,
// which makes a budget stricter, never looser. No update is ever applied
// twice.
func (s *Store) AddCount(ctx context.Context, key string, delta, floor, ceiling int64, expires time.Time) (int64, bool, error) {
	k := keyKey(counterPrefix + key)
	if delta == 0 {
		item, err := s.getItem(ctx, s.keys, k)
		if err != nil {
			return 0, false, fmt.Errorf("dynamodb: read counter: %w", err)
		}
		n, err := s.effectiveCount(item, floor)
		return n, err == nil && n <= ceiling, err
	}
	exp := number(epochCeil(expires))
	id := newWriteID()
	// lost reports the count if an update that failed without an answer
	// landed after all.
	lost := func(op string, uerr error) (int64, bool, error) {
		item, err := s.getItem(ctx, s.keys, k)
		if err == nil && ownWrite(item, id) {
			n, err := s.effectiveCount(item, floor)
			return n, err == nil, err
		}
		return 0, false, fmt.Errorf("dynamodb: %s: %w", op, uerr)
	}
	for range counterAttempts {
		now := number(s.now().Unix())
		// The common case: an unexpired counter in range, or none.
		cond, names := "(#n >= :lo AND #n <= :hi AND #e > :now)", map[string]string{"#n": "count", "#e": "expires"}
		if delta > 0 && floor+delta <= ceiling {
			cond, names = "attribute_not_exists(#k) OR "+cond, counterNames
		}
		out, err := s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                aws.String(s.keys),
			Key:                      k,
			UpdateExpression:         aws.String("SET #n = if_not_exists(#n, :floor) + :d, #e = :exp, #w = :w"),
			ConditionExpression:      aws.String(cond),
			ExpressionAttributeNames: withWriteID(names),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":floor": number(floor), ":d": number(delta), ":exp": exp, ":now": now,
				":lo": number(max(floor, floor-delta)), ":hi": number(ceiling - delta), ":w": str(id),
			},
			ReturnValues:                        types.ReturnValueUpdatedNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}, once)
		old, failed := conditionFailed(err)
		if !failed {
			if err != nil {
				return lost("add to counter", err)
			}
			n, err := countOf(out.Attributes)
			return n, err == nil, err
		}
		if len(old) == 0 {
			if old, err = s.getItem(ctx, s.keys, k); err != nil {
				return 0, false, fmt.Errorf("dynamodb: add to counter: read counter: %w", err)
			}
		}
		v, err := s.effectiveCount(old, floor)
		if err != nil {
			return 0, false, err
		}
		if v+delta < floor || v+delta > ceiling {
			return v, false, nil // spent (or, for a give, full)
		}
		if low, err := s.lowOrGone(old, floor); err != nil || !low {
			if err != nil {
				return 0, false, err
			}
			continue // in range after all: changed since the failed write
		}
		// Raised to floor: SET floor+delta if it is still low, expired or gone.
		_, err = s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                aws.String(s.keys),
			Key:                      k,
			UpdateExpression:         aws.String("SET #n = :new, #e = :exp, #w = :w"),
			ConditionExpression:      aws.String("attribute_not_exists(#k) OR #e <= :now OR #n < :floor"),
			ExpressionAttributeNames: withWriteID(counterNames),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":new": number(floor + delta), ":exp": exp, ":now": now, ":floor": number(floor), ":w": str(id),
			},
		}, once)
		if _, failed := conditionFailed(err); failed {
			continue // another caller raised it first: count on top of theirs
		}
		if err != nil {
			return lost("raise counter", err)
		}
		return floor + delta, true, nil
	}
	return 0, false, fmt.Errorf("dynamodb: counter %q kept changing over %d attempts", key, counterAttempts)
}

// withWriteID returns names with "#w" for writeIDAttr added.
func withWriteID(names map[string]string) map[string]string {
	m := make(map[string]string, len(names)+1)
	for k, v := range names {
		m[k] = v
	}
	m["#w"] = writeIDAttr
	return m
}

// effectiveCount is the count an item holds as AddCount sees it: 0 for no
// item or an expired one, raised to floor.
func (s *Store) effectiveCount(item map[string]types.AttributeValue, floor int64) (int64, error) {
	low, err := s.lowOrGone(item, floor)
	if err != nil || low {
		return floor, err
	}
	return countOf(item)
}

// lowOrGone reports whether an item is missing, expired or below floor.
func (s *Store) lowOrGone(item map[string]types.AttributeValue, floor int64) (bool, error) {
	if len(item) == 0 {
		return true, nil
	}
	e, ok := item["expires"].(*types.AttributeValueMemberN)
	if !ok {
		return false, fmt.Errorf("dynamodb: decode counter: no expires")
	}
	exp, err := strconv.ParseInt(e.Value, 10, 64)
	if err != nil {
		return false, fmt.Errorf("dynamodb: decode counter: expires %q", e.Value)
	}
	if expired(exp, s.now()) {
		return true, nil
	}
	n, err := countOf(item)
	return n < floor, err
}

// countOf decodes an item's (or a returned update's) count.
func countOf(item map[string]types.AttributeValue) (int64, error) {
	c, ok := item["count"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("dynamodb: decode counter: no count")
	}
	n, err := strconv.ParseInt(c.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("dynamodb: decode counter: count %q", c.Value)
	}
	return n, nil
}

package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// claimAttempts bounds Claim's retries when the holder disappears between a
// failed write and the read of the holder.
const claimAttempts = 5

// absentOrExpired is the condition under which a keys-table item may be
// (re)created: there is none, or it has expired (TTL deletion is lazy).
const absentOrExpired = "attribute_not_exists(#k) OR #e <= :now"

var keyNames = map[string]string{"#k": "key", "#e": "expires"}

// Claim implements todo.ClaimStore: one PutItem on condition that the key is
// free or its claim has expired. When the condition fails, the holder comes
// with the failure or, where the server does not return it, from a strongly
// consistent read; if the holder vanished in between (released or expired),
// Claim tries again, at most a few times. A holder that is this call's own
// write (its writeIDAttr token: an attempt that landed but whose answer was
// lost) is a fresh claim.
func (s *Store) Claim(ctx context.Context, key, value string, expires time.Time) (string, bool, error) {
	item, err := marshalItem(claimItem{Key: claimPrefix + key, Value: value, Expires: epochCeil(expires)})
	if err != nil {
		return "", false, fmt.Errorf("dynamodb: claim: %w", err)
	}
	id := newWriteID()
	item[writeIDAttr] = str(id)
	for range claimAttempts {
		now := s.now()
		_, err := s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:                           aws.String(s.keys),
			Item:                                item,
			ConditionExpression:                 aws.String(absentOrExpired),
			ExpressionAttributeNames:            keyNames,
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": number(now.Unix())},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		old, failed := conditionFailed(err)
		if !failed {
			if err != nil {
				return "", false, fmt.Errorf("dynamodb: claim: %w", err)
			}
			return value, true, nil
		}
		if len(old) == 0 {
			if old, err = s.getItem(ctx, s.keys, keyKey(claimPrefix+key)); err != nil {
				return "", false, fmt.Errorf("dynamodb: claim: read holder: %w", err)
			}
			if old == nil {
				continue // released in between
			}
		}
		if ownWrite(old, id) {
			return value, true, nil // this call's own claim, whose answer was lost
		}
		var held claimItem
		if err := decodeFields(old, held.fields()); err != nil {
			return "", false, fmt.Errorf("dynamodb: claim: decode holder: %w", err)
		}
		if expired(held.Expires, s.now()) {
			continue // expired in between
		}
		return held.Value, false, nil
	}
	return "", false, fmt.Errorf("dynamodb: claim %q: holder kept changing in %d attempts", key, claimAttempts)
}

// Release implements todo.ClaimStore with an unconditional DeleteItem.
func (s *Store) Release(ctx context.Context, key string) error {
	return s.deleteKey(ctx, "release claim", claimPrefix+key)
}

// heldBy is the condition under which Settle may replace a claim: it holds
// the expected value and has not expired.
const heldBy = "#val = :from AND #e > :now"

// Settle implements todo.ClaimStore: one PutItem on condition that the
// claim holds from and has not expired. Any failed condition (no item, an
// expired one, another value) is a Conflict, unless the item holds this
// call's own write (see put).
func (s *Store) Settle(ctx context.Context, key, from, to string, expires time.Time) error {
	_, failed, err := s.put(ctx, "settle claim", claimItem{Key: claimPrefix + key, Value: to, Expires: epochCeil(expires)},
		&ddb.PutItemInput{
			TableName:                aws.String(s.keys),
			ConditionExpression:      aws.String(heldBy),
			ExpressionAttributeNames: map[string]string{"#val": "value", "#e": "expires"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":from": str(from),
				":now":  number(s.now().Unix()),
			},
		})
	if failed {
		return todo.ErrClaimNotHeld
	}
	return err
}

// Throttle implements todo.ThrottleStore with a strongly consistent GetItem.
// An expired counter is reported as NotFound even before the TTL removes it.
// Expires reads back rounded up to a whole second.
func (s *Store) Throttle(ctx context.Context, key string) (*todo.Throttle, error) {
	item, err := s.getItem(ctx, s.keys, keyKey(throttlePrefix+key))
	if err != nil {
		return nil, fmt.Errorf("dynamodb: get throttle: %w", err)
	}
	if item == nil {
		return nil, todo.ErrCounterNotFound
	}
	var it throttleItem
	if err := decodeFields(item, it.fields()); err != nil {
		return nil, fmt.Errorf("dynamodb: decode throttle: %w", err)
	}
	if expired(it.Expires, s.now()) {
		return nil, todo.ErrCounterNotFound
	}
	t := &todo.Throttle{
		Key:      key,
		Failures: int(it.Failures),
		Expires:  time.Unix(it.Expires, 0).UTC(),
		Version:  it.Version,
	}
	if t.WindowStart, err = parseTime("windowStart", it.WindowStart); err != nil {
		return nil, fmt.Errorf("dynamodb: decode throttle: %w", err)
	}
	if t.LockedUntil, err = parseTime("lockedUntil", it.LockedUntil); err != nil {
		return nil, fmt.Errorf("dynamodb: decode throttle: %w", err)
	}
	return t, nil
}

// PutThrottle implements todo.ThrottleStore: one PutItem. With t.Version 0
// the condition is that no unexpired counter exists; otherwise that the
// stored version still equals t.Version (a reader of a counter that has just
// expired may still update it, as in the other engines). Any failed
// condition is a Conflict, unless the item holds this call's own write
// (see put).
func (s *Store) PutThrottle(ctx context.Context, t *todo.Throttle) error {
	in := &ddb.PutItemInput{TableName: aws.String(s.keys)}
	if t.Version == 0 {
		in.ConditionExpression = aws.String(absentOrExpired)
		in.ExpressionAttributeNames = keyNames
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":now": number(s.now().Unix())}
	} else {
		in.ConditionExpression = aws.String("#v = :v")
		in.ExpressionAttributeNames = withNames(nil)
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": number(t.Version)}
	}
	_, failed, err := s.put(ctx, "put throttle", throttleItem{
		Key:         throttlePrefix + t.Key,
		Failures:    int64(t.Failures),
		WindowStart: formatTime(t.WindowStart),
		LockedUntil: formatTime(t.LockedUntil),
		Expires:     epochCeil(t.Expires),
		Version:     t.Version + 1,
	}, in)
	if failed {
		return todo.ErrCounterChanged
	}
	if err != nil {
		return err
	}
	t.Version++
	return nil
}

// DeleteThrottle implements todo.ThrottleStore with an unconditional
// DeleteItem.
func (s *Store) DeleteThrottle(ctx context.Context, key string) error {
	return s.deleteKey(ctx, "delete throttle", throttlePrefix+key)
}

// deleteKey deletes the keys-table item under key unconditionally; op names
// the call in the error.
func (s *Store) deleteKey(ctx context.Context, op, key string) error {
	_, err := s.client.DeleteItem(ctx, &ddb.DeleteItemInput{
		TableName: aws.String(s.keys),
		Key:       keyKey(key),
	})
	if err != nil {
		return fmt.Errorf("dynamodb: %s: %w", op, err)
	}
	return nil
}

package dynamodb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// entity is what the create, read and update paths shared by the users and
// the todos table need to know of one of them.
type entity struct {
	name     string // "user" or "todo", as the errors name it
	keyRef   string // the placeholder for the key attribute the conditions test
	keyAttr  string // that attribute
	notFound error  // todo.Err<Entity>NotFound
	exists   error  // the Conflict when a create finds the key taken
	changed  error  // the Conflict when an update finds another version
}

var (
	userEntity = entity{
		name: "user", keyRef: "#pk", keyAttr: "email", notFound: todo.ErrUserNotFound,
		exists:  todo.ErrUserExists,
		changed: todo.ErrUserChanged,
	}
	todoEntity = entity{
		name: "todo", keyRef: "#sk", keyAttr: "id", notFound: todo.ErrTodoNotFound,
		exists:  todo.ErrTodoExists,
		changed: todo.ErrTodoChanged,
	}
)

// put marshals v into in.Item, adds the call's writeIDAttr token and
// writes it. A failed condition comes back as failed, with the item as it
// was when the server returns it or, where it does not, as a strongly
// consistent read finds it (nil when there is none); a failed condition on
// an item that holds the call's own token is success (see writeIDAttr).
// Any other error comes back as "dynamodb: <op>: ...".
func (s *Store) put(ctx context.Context, op string, v any, in *ddb.PutItemInput) (old map[string]types.AttributeValue, failed bool, err error) {
	if in.Item, err = marshalItem(v); err != nil {
		return nil, false, fmt.Errorf("dynamodb: %s: %w", op, err)
	}
	id := newWriteID()
	in.Item[writeIDAttr] = str(id)
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	_, err = s.client.PutItem(ctx, in)
	old, failed = conditionFailed(err)
	if !failed {
		if err != nil {
			return nil, false, fmt.Errorf("dynamodb: %s: %w", op, err)
		}
		return nil, false, nil
	}
	if len(old) == 0 {
		if old, err = s.getItem(ctx, aws.ToString(in.TableName), s.keyOf(aws.ToString(in.TableName), in.Item)); err != nil {
			return nil, false, fmt.Errorf("dynamodb: %s: read after failed condition: %w", op, err)
		}
	}
	if ownWrite(old, id) {
		return nil, false, nil
	}
	return old, true, nil
}

// keyOf returns the primary key of item in table: "email" on the users
// table, "key" on the keys table, "userId" and "id" on the others.
func (s *Store) keyOf(table string, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	names := []string{"userId", "id"}
	switch table {
	case s.users:
		names = []string{"email"}
	case s.keys:
		names = []string{"key"}
	}
	k := make(map[string]types.AttributeValue, len(names))
	for _, n := range names {
		k[n] = item[n]
	}
	return k
}

// create writes v to table on condition that no item has its key.
func (s *Store) create(ctx context.Context, e entity, table string, v any) error {
	_, failed, err := s.put(ctx, "create "+e.name, v, &ddb.PutItemInput{
		TableName:                aws.String(table),
		ConditionExpression:      aws.String("attribute_not_exists(" + e.keyRef + ")"),
		ExpressionAttributeNames: map[string]string{e.keyRef: e.keyAttr},
	})
	if failed {
		return e.exists
	}
	return err
}

// get reads the item under key with a strongly consistent read and decodes
// it; a missing item is e.notFound.
func get[T any](ctx context.Context, s *Store, e entity, table string, key map[string]types.AttributeValue, decode func(map[string]types.AttributeValue) (*T, error)) (*T, error) {
	item, err := s.getItem(ctx, table, key)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: get %s: %w", e.name, err)
	}
	if item == nil {
		return nil, e.notFound
	}
	v, err := decode(item)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: decode %s: %w", e.name, err)
	}
	return v, nil
}

// update writes v in place of the item under key on condition that it
// exists with the version. When the condition fails, the old item returned
// with the failure (or, where the server does not return it, a strongly
// consistent read) tells Conflict from NotFound, and from the call's own
// write (success; see put).
func (s *Store) update(ctx context.Context, e entity, table string, key map[string]types.AttributeValue, v any, version int64) error {
	op := "update " + e.name
	old, failed, err := s.put(ctx, op, v, &ddb.PutItemInput{
		TableName:                           aws.String(table),
		ConditionExpression:                 aws.String("attribute_exists(" + e.keyRef + ") AND #v = :v"),
		ExpressionAttributeNames:            withNames(map[string]string{e.keyRef: e.keyAttr}),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": number(version)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if !failed {
		return err
	}
	if old == nil {
		return e.notFound
	}
	return e.changed
}

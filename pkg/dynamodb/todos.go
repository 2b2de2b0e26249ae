package dynamodb

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

func todoKey(userID, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"userId": str(userID), "id": str(id)}
}

// CreateTodo implements todo.TodoStore: one PutItem on condition that the
// owner has no todo with that ID. It sets t.Version to 1 only when the write
// commits.
func (s *Store) CreateTodo(ctx context.Context, t *todo.Todo) error {
	if err := s.create(ctx, todoEntity, s.todos, newTodoItem(t, 1)); err != nil {
		return err
	}
	t.Version = 1
	return nil
}

// Todo implements todo.TodoStore with a strongly consistent GetItem on the
// owner's key, so another user's todo is simply absent.
func (s *Store) Todo(ctx context.Context, userID, id string) (*todo.Todo, error) {
	return get(ctx, s, todoEntity, s.todos, todoKey(userID, id), decodeTodo)
}

// UpdateTodo implements todo.TodoStore: one PutItem on the owner's key on
// condition that the item exists with version t.Version. A failed condition
// is NotFound when the item is gone and Conflict otherwise.
func (s *Store) UpdateTodo(ctx context.Context, t *todo.Todo) error {
	if err := s.update(ctx, todoEntity, s.todos, todoKey(t.UserID, t.ID), newTodoItem(t, t.Version+1), t.Version); err != nil {
		return err
	}
	t.Version++
	return nil
}

// DeleteTodo implements todo.TodoStore: a strongly consistent GetItem on
// the owner's key, then a DeleteItem on condition that the item still has
// the version read. A delete whose condition fails because the item has
// gone since it was read reports success: the SDK resends a DeleteItem
// whose answer it lost (see writeIDAttr), and that resend finds the item
// the first attempt deleted. A todo deleted by a concurrent call in that
// moment is reported deleted to both callers, which is what each asked
// for. An item that changed in between is read again, a few times at most.
func (s *Store) DeleteTodo(ctx context.Context, userID, id string) error {
	return s.deleteTodo(ctx, userID, id, 0)
}

// DeleteTodoIf implements todo.TodoStore as DeleteTodo does, except that
// an item read with another version than version is a Conflict, not read
// again: the DeleteItem's condition is the version read, which is then the
// caller's, so the todo is deleted only at that version.
func (s *Store) DeleteTodoIf(ctx context.Context, userID, id string, version int64) error {
	if version < 1 {
		return todo.ErrTodoChanged
	}
	return s.deleteTodo(ctx, userID, id, version)
}

// deleteTodo deletes the todo at the version read, or only at version
// when it is not 0.
func (s *Store) deleteTodo(ctx context.Context, userID, id string, version int64) error {
	key := todoKey(userID, id)
	seen := false
	for range claimAttempts {
		item, err := s.getItem(ctx, s.todos, key)
		if err != nil {
			return fmt.Errorf("dynamodb: delete todo: read: %w", err)
		}
		if item == nil {
			if seen {
				return nil
			}
			return todo.ErrTodoNotFound
		}
		seen = true
		v, ok := item["version"].(*types.AttributeValueMemberN)
		if !ok {
			return fmt.Errorf("dynamodb: delete todo: the item has no version")
		}
		if version != 0 && v.Value != strconv.FormatInt(version, 10) {
			return todo.ErrTodoChanged
		}
		_, err = s.client.DeleteItem(ctx, &ddb.DeleteItemInput{
			TableName:                 aws.String(s.todos),
			Key:                       key,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
		})
		if _, failed := conditionFailed(err); !failed {
			if err != nil {
				return fmt.Errorf("dynamodb: delete todo: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("dynamodb: delete todo: the todo kept changing over %d attempts", claimAttempts)
}

// Todos implements todo.TodoStore with a strongly consistent Query of the
// owner's partition, newest first.
//
// A filter on Done is a FilterExpression. DynamoDB applies Limit to the
// items it reads, before the filter, and may return fewer matching items
// than Limit (even none) with a LastEvaluatedKey
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Other.html#Query.Limit),
// so the loop below follows LastEvaluatedKey until the page is full or the
// partition ends: a short page is still the last one. The filter saves
// bandwidth, not capacity: every item read counts.
//
// The cursor q.After becomes a key condition ("id < :after") on the owner's
// partition rather than an ExclusiveStartKey: the effect is the same, and a
// cursor can never address another partition, whatever it holds. The query
// asks for one item more than the page to learn cheaply whether another page
// follows, and keeps following LastEvaluatedKey (which DynamoDB returns from
// the owner's partition) while the page is short, since a response may hold
// fewer items than asked for (the 1 MB limit).
func (s *Store) Todos(ctx context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error) {
	limit := q.Limit
	if limit <= 0 || limit > todo.MaxPageSize {
		limit = todo.DefaultPageSize
	}
	cond := "#pk = :pk"
	attrNames := map[string]string{"#pk": "userId"}
	values := map[string]types.AttributeValue{":pk": str(userID)}
	if q.After != "" {
		cond += " AND #sk < :after"
		attrNames["#sk"] = "id"
		values[":after"] = str(q.After)
	}
	in := &ddb.QueryInput{
		TableName:                 aws.String(s.todos),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  attrNames,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
	}
	if q.Done != nil {
		in.FilterExpression = aws.String("#done = :done")
		attrNames["#done"] = "done"
		values[":done"] = &types.AttributeValueMemberBOOL{Value: *q.Done}
	}
	var items []map[string]types.AttributeValue
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(items)))
		if q.Done != nil {
			in.Limit = aws.Int32(int32(limit + 1)) // items read, before the filter: read a page's worth each time
		}
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return todo.TodoPage{}, fmt.Errorf("dynamodb: list todos: %w", err)
		}
		items = append(items, out.Items...)
		if len(items) > limit || len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	page := todo.TodoPage{Items: make([]todo.Todo, 0, len(items))}
	for _, item := range items {
		t, err := decodeTodo(item)
		if err != nil {
			return todo.TodoPage{}, fmt.Errorf("dynamodb: decode todo: %w", err)
		}
		page.Items = append(page.Items, *t)
	}
	if more {
		page.Next = page.Items[limit-1].ID
	}
	if q.Count {
		counts, err := s.countTodos(ctx, userID)
		if err != nil {
			return todo.TodoPage{}, err
		}
		page.Counts = counts
	}
	return page, nil
}

// countTodos counts the owner's todos by state with a strongly consistent
// Query of the owner's partition that projects only "done", following
// LastEvaluatedKey to the end. It is a counting read, not a counter kept
// beside each write: keeping counters exact would put a counter update in
// each todo write's TransactWriteItems (the writes of the atomic path,
// atomic.go, could carry it), but the counts would then also have to be
// made for todos written before them, and a todo write on the
// call-by-call path would need its own. A read is exact for the moment each item is read, whatever failed or crashed
// before. Its cost: a Query is charged by the size of the items it reads,
// not of what it returns, in 4 KB units summed over the items read per
// page (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#read-operation-consumption),
// one RCU per 4 KB strongly consistent. One projected Query, rather
// than two with Select=COUNT and a filter each, reads the partition once.
func (s *Store) countTodos(ctx context.Context, userID string) (*todo.TodoCounts, error) {
	in := &ddb.QueryInput{
		TableName:                 aws.String(s.todos),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ProjectionExpression:      aws.String("#done"),
		ExpressionAttributeNames:  map[string]string{"#pk": "userId", "#done": "done"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(userID)},
		ConsistentRead:            aws.Bool(true),
	}
	var n todo.TodoCounts
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamodb: count todos: %w", err)
		}
		for _, item := range out.Items {
			if d, ok := item["done"].(*types.AttributeValueMemberBOOL); ok && d.Value {
				n.Completed++
			} else {
				n.Active++
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return &n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// DeleteTodos implements todo.TodoPurger: a Query of the owner's partition
// (keys only), page by page, and BatchWriteItem deletes of every todo in it.
func (s *Store) DeleteTodos(ctx context.Context, userID string) (int, error) {
	return s.purge(ctx, "delete todos", s.todos, userID, "", func(map[string]types.AttributeValue) (bool, bool) { return true, true })
}

package tablestore

import (
	"context"
	"fmt"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

// entity is what the create, read and update paths shared by the users and
// the todos table need to know of one of them.
type entity struct {
	name     string // "user" or "todo", as the errors name it
	createOp string // how a create's errors name the call
	notFound error  // todo.Err<Entity>NotFound
	exists   error  // the Conflict when a create finds the row
	changed  error  // the Conflict when an update finds another version
}

var (
	userEntity = entity{
		name: "user", createOp: "create user", notFound: todo.ErrUserNotFound,
		exists:  todo.ErrUserExists,
		changed: todo.ErrUserChanged,
	}
	todoEntity = entity{
		name: "todo", createOp: "put todo", notFound: todo.ErrTodoNotFound,
		exists:  todo.ErrTodoExists,
		changed: todo.ErrTodoChanged,
	}
)

// create writes cols as a new row under pk, expecting no row there. A
// failed condition is a Conflict unless the row holds this call's own
// write (see writeIDColumn).
func (s *Store) create(ctx context.Context, e entity, table string, pk *ots.PrimaryKey, cols row) error {
	id := newWriteID()
	err := s.putRow(ctx, table, pk, withWriteID(cols, id), ots.RowExistenceExpectation_EXPECT_NOT_EXIST, nil)
	if conditionFailed(err) {
		_, own, err := s.ownWrite(ctx, table, pk, id)
		switch {
		case err != nil:
			return fmt.Errorf("tablestore: %s: %w", e.createOp, err)
		case own:
			return nil
		}
		return e.exists
	}
	if err != nil {
		return fmt.Errorf("tablestore: %s: %w", e.createOp, err)
	}
	return nil
}

// get reads the row under pk and decodes its columns; a missing row is
// e.notFound.
func get[T any](ctx context.Context, s *Store, e entity, table string, pk *ots.PrimaryKey, decode func(columns) (*T, error)) (*T, error) {
	c, found, err := s.getRow(ctx, table, pk)
	if err != nil {
		return nil, fmt.Errorf("tablestore: get %s: %w", e.name, err)
	}
	if !found {
		return nil, e.notFound
	}
	v, err := decode(c)
	if err != nil {
		return nil, fmt.Errorf("tablestore: decode %s: %w", e.name, err)
	}
	return v, nil
}

// update writes cols as the whole row under pk, expecting the row to exist
// with "version" equal to version. When the condition fails, a read tells a
// vanished row (NotFound) from a changed one (Conflict), and from one that
// holds this call's own write (success; see writeIDColumn).
func (s *Store) update(ctx context.Context, e entity, table string, pk *ots.PrimaryKey, cols row, version int64) error {
	id := newWriteID()
	err := s.putRow(ctx, table, pk, withWriteID(cols, id), ots.RowExistenceExpectation_EXPECT_EXIST, versionIs(version))
	if conditionFailed(err) {
		c, own, gerr := s.ownWrite(ctx, table, pk, id)
		switch {
		case gerr != nil:
			return fmt.Errorf("tablestore: update %s: %w", e.name, gerr)
		case own:
			return nil
		case c == nil:
			return e.notFound
		}
		return e.changed
	}
	if err != nil {
		return fmt.Errorf("tablestore: update %s: %w", e.name, err)
	}
	return nil
}

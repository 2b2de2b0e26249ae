package tablestore

import (
	"context"
	"fmt"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

// A bulk change (ClearTodos, MarkTodos) is one BatchWriteRow of at most
// todo.MaxBatch rows (the service takes maxBatchRows), each row with its
// own row condition: the row must exist with "version" equal to the
// version read. The API reference
// (https://www.alibabacloud.com/help/zh/tablestore/table-store-service/developer-reference/batchwriterow)
// says each row operation of a BatchWriteRow is checked, applied and
// answered on its own (is_ok per row, the request itself answering 200), so
// each todo is changed or not, never half-written, and a row whose
// condition fails (the todo changed or was deleted since it was read) is
// left as it is while the others are applied. BatchWriteRow is not a
// transaction: a crash between rows leaves some changed and some not, and
// a repeat reads what is left.
//
// Rows that fail for another reason (a transient row error such as
// OTSServerBusy) were not applied and are sent again, up to batchRounds
// rounds in all, as deleteRows does. When the SDK resends a whole request
// whose answer it lost (see writes.go), the rows the first attempt applied
// fail their condition on the resend: a put reads its row back and counts
// it if the row holds its write ID; a delete cannot tell its own delete
// from another's and is not counted, so the quota's count of todos is
// given back too little, never too much (the quota repairs a count that is
// too high, see package todolist).

// ClearTodos implements todo.TodoStore with one BatchWriteRow of
// conditional deletes.
func (s *Store) ClearTodos(ctx context.Context, userID string, todos []todo.Todo) (int, error) {
	return s.bulkRows(ctx, userID, todos, func(t todo.Todo) (ots.RowChange, string) {
		c := &ots.DeleteRowChange{TableName: s.todos, PrimaryKey: todoKey(userID, t.ID),
			Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_EXIST}}
		c.SetColumnCondition(versionIs(t.Version))
		return c, ""
	})
}

// MarkTodos implements todo.TodoStore with one BatchWriteRow of
// conditional puts of whole rows at the next version, each with a write
// ID (see writes.go).
func (s *Store) MarkTodos(ctx context.Context, userID string, todos []todo.Todo, done bool, at time.Time) (int, error) {
	return s.bulkRows(ctx, userID, todos, func(t todo.Todo) (ots.RowChange, string) {
		t.UserID, t.Done, t.UpdatedAt = userID, done, at
		id := newWriteID()
		c := &ots.PutRowChange{TableName: s.todos, PrimaryKey: todoKey(userID, t.ID),
			Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_EXIST}}
		for _, col := range withWriteID(todoRow(&t, t.Version+1), id) {
			c.AddColumn(col.name, col.value)
		}
		c.SetColumnCondition(versionIs(t.Version))
		return c, id
	})
}

// bulkRows writes the row change rowFor makes for each todo (and the write
// ID it carries, "" for a delete) with BatchWriteRow, and returns how many
// rows it changed.
func (s *Store) bulkRows(ctx context.Context, userID string, todos []todo.Todo, rowFor func(todo.Todo) (ots.RowChange, string)) (int, error) {
	if !validKey(userID) {
		return 0, nil
	}
	pending := make([]todo.Todo, 0, len(todos))
	for _, t := range todos {
		if validKey(t.ID) {
			pending = append(pending, t)
		}
	}
	if len(pending) > maxBatchRows {
		return 0, fmt.Errorf("tablestore: bulk change: %d todos, more than one batch of %d", len(pending), maxBatchRows)
	}
	n := 0
	for round := 1; len(pending) > 0; round++ {
		req := &ots.BatchWriteRowRequest{}
		ids := make([]string, len(pending))
		for i, t := range pending {
			c, id := rowFor(t)
			req.AddRowChange(c)
			ids[i] = id
		}
		out, err := call(ctx, s.budget, func() (*ots.BatchWriteRowResponse, error) { return s.client.BatchWriteRow(req) })
		if err != nil {
			return n, fmt.Errorf("tablestore: bulk change: %w", err)
		}
		results := out.TableToRowsResult[s.todos]
		if len(results) != len(pending) {
			return n, fmt.Errorf("tablestore: bulk change: %d row results for %d rows", len(results), len(pending))
		}
		var again []todo.Todo
		var failed failedRow
		for _, r := range results {
			if r.Index < 0 || int(r.Index) >= len(pending) {
				return n, fmt.Errorf("tablestore: bulk change: a row result with index %d of %d", r.Index, len(pending))
			}
			t := pending[r.Index]
			switch {
			case r.IsSucceed:
				n++
			case r.Error.Code == "OTSConditionCheckFail":
				if ids[r.Index] == "" {
					continue // a delete: changed, gone, or deleted by a lost first attempt
				}
				_, own, err := s.ownWrite(ctx, s.todos, todoKey(userID, t.ID), ids[r.Index])
				if err != nil {
					return n, fmt.Errorf("tablestore: bulk change: %w", err)
				}
				if own {
					n++
				}
			default:
				again = append(again, t)
				failed = failedRow{id: t.ID, code: r.Error.Code, msg: r.Error.Message}
			}
		}
		if len(again) > 0 && round == batchRounds {
			return n, rowError(failed)
		}
		pending = again
	}
	return n, nil
}

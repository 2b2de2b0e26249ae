package dynamodb

import (
	"context"
	"sync"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// bulkWorkers bounds how many of a bulk change's writes are in flight at
// once: enough to finish a batch of todo.MaxBatch writes in a fraction of
// an invocation, few enough not to burst a table's capacity (an on-demand
// table's first peak is 4,000 write units a second,
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html).
const bulkWorkers = 8

// ClearTodos implements todo.TodoStore with one conditional delete per
// todo (DeleteTodoIf: a GetItem, then a DeleteItem on condition of the
// version), bulkWorkers at a time. A batch is not one transaction here
// (the todo service's fast path writes it in TransactWriteItems calls
// through AtomicWrite, and comes here only when those are refused); it
// need not be, since each write is atomic and is made only if the todo is
// still as it was read. A crash leaves each todo deleted or not, and a
// repeat reads what is left. A delete reports a todo deleted as
// DeleteTodoIf does, so a resent delete whose first attempt landed counts
// (the quota's slot is given back as a single delete gives it).
func (s *Store) ClearTodos(ctx context.Context, userID string, todos []todo.Todo) (int, error) {
	return s.bulk(todos, func(t todo.Todo) error { return s.DeleteTodoIf(ctx, userID, t.ID, t.Version) })
}

// MarkTodos implements todo.TodoStore with one conditional put per todo
// (UpdateTodo: a PutItem on condition of the version, with its write ID
// read back when the condition fails), bulkWorkers at a time, as
// ClearTodos does.
func (s *Store) MarkTodos(ctx context.Context, userID string, todos []todo.Todo, done bool, at time.Time) (int, error) {
	return s.bulk(todos, func(t todo.Todo) error {
		t.UserID, t.Done, t.UpdatedAt = userID, done, at
		return s.UpdateTodo(ctx, &t)
	})
}

// bulk calls write for each todo, bulkWorkers at a time, and returns how
// many writes succeeded. A todo gone (NotFound) or changed (Conflict) since
// it was read is skipped; any other failure is returned (the first one),
// after the writes already started have finished.
func (s *Store) bulk(todos []todo.Todo, write func(todo.Todo) error) (int, error) {
	var (
		mu    sync.Mutex
		n     int
		first error
		wg    sync.WaitGroup
	)
	next := make(chan todo.Todo)
	for range min(bulkWorkers, len(todos)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				err := write(t)
				mu.Lock()
				switch todo.ErrorCode(err) {
				case "":
					n++
				case todo.NotFound, todo.Conflict:
				default:
					if first == nil {
						first = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, t := range todos {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- t
	}
	close(next)
	wg.Wait()
	return n, first
}

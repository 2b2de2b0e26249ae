// Package todos builds the todo service from the App, for the todos-*
// functions.
package todos

import (
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/todolist"
)

// New returns the todo service on a's store, with the per-user quota of
// todos (TODO_QUOTA) and budget of writes (USER_WRITE_LIMIT). Both are
// per-user limits, not per-IP budgets: RATE_LIMITS=off leaves them on.
func New(a *app.App) *todolist.Service {
	l := a.Config.Limits
	return &todolist.Service{Todos: a.Store, Claims: a.Store, Throttles: a.Store,
		Quota: l.TodoQuota, Writes: l.UserWrites}
}

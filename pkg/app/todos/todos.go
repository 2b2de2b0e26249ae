// Package todos builds the todo service from the App, for the todos-*
// functions.
package todos

import (
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/todolist"
)

// New returns the todo service on a's store.
func New(a *app.App) *todolist.Service {
	return &todolist.Service{Todos: a.Store, Claims: a.Store}
}

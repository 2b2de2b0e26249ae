// Command todos-mark-all is a function: PATCH /todos: mark every todo done or not done, a batch at a time.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.TodosMarkAll, func(a *app.App, s *api.Server) (api.Handlers, error) {
		return s.MarkAllTodos(todos.New(a)), nil
	})
}

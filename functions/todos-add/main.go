// Command todos-add is a function: POST /todos: add a todo (idempotent with Idempotency-Key).
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.TodosAdd, func(a *app.App, s *api.Server) (api.Handlers, error) {
		return s.AddTodo(todos.New(a)), nil
	})
}

// Command todos-update is a function: PATCH /todos/{id}: change a todo's title or done flag.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.TodosUpdate, func(a *app.App, s *api.Server) (api.Handlers, error) {
		return s.UpdateTodo(todos.New(a)), nil
	})
}

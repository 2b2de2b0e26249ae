// Command todos-delete is a function: DELETE /todos/{id}: delete a todo.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.TodosDelete, func(a *app.App, s *api.Server) (api.Handlers, error) {
		return s.DeleteTodo(todos.New(a)), nil
	})
}

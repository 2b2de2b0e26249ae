// Command todos-list is a function: GET /todos: list the caller's todos, newest first.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.TodosList, func(a *app.App, s *api.Server) (api.Handlers, error) {
		return s.ListTodos(todos.New(a)), nil
	})
}

// Command todos-clear is a function: DELETE /todos?done=true: delete the completed todos, a batch at a time.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.TodosClear, func(a *app.App, s *api.Server) (api.Handlers, error) {
		return s.ClearTodos(todos.New(a)), nil
	})
}

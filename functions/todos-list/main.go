// Command todos-list is a function: GET /todos: list the caller's todos, newest first.
package main

import (
	"log"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	a, err := app.Open(app.ConfigFromEnv())
	if err != nil {
		log.Fatalf("todos-list: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("todos-list: %v", err)
	}
	svc := todos.New(a)
	platform.Start(srv.Handler(srv.ListTodos(svc)))
}

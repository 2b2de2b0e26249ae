// Command todos-add is a function: POST /todos: add a todo (idempotent with Idempotency-Key).
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
		log.Fatalf("todos-add: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("todos-add: %v", err)
	}
	svc := todos.New(a)
	platform.Start(srv.Handler(srv.AddTodo(svc)))
}

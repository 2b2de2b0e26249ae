// Command todos-delete is a function: DELETE /todos/{id}: delete a todo.
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
		log.Fatalf("todos-delete: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("todos-delete: %v", err)
	}
	svc := todos.New(a)
	platform.Start(srv.Handler(srv.DeleteTodo(svc)))
}

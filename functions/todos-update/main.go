// Command todos-update is a function: PATCH /todos/{id}: change a todo's title or done flag.
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
		log.Fatalf("todos-update: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("todos-update: %v", err)
	}
	svc := todos.New(a)
	platform.Start(srv.Handler(srv.UpdateTodo(svc)))
}

// Command todos-update is a function: PATCH /todos/{id}: change a todo's title or done flag.
package main

import (
	"log"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	a, err := app.Open(app.ConfigFromEnv())
	if err != nil {
		log.Fatalf("todos-update: %v", err)
	}
	platform.Start(a.API.Handler(a.API.UpdateTodo()))
}

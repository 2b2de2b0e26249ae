// Command flaky is a test and demo fixture, not a function: todos-list as
// functions/todos-list builds it, except that every fifth call answers 500
// (20 %), the candidate a gray window must roll back (cmd/localcloud's
// gray test, make gray-demo). It lives under testdata so no build, lint or
// deploy of the project picks it up.
package main

import (
	"log"
	"net/http"
	"sync/atomic"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/platform"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

func main() {
	a, err := app.Open(app.ConfigFromEnv())
	if err != nil {
		log.Fatalf("flaky: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("flaky: %v", err)
	}
	h := srv.Handler(srv.ListTodos(todos.New(a)))
	var calls atomic.Int64
	platform.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%5 == 0 {
			wire.Error(w, todo.Internal, "flaky: every fifth call fails")
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// Command password-change is a function: POST /password: change the password; every other session ends.
package main

import (
	"log"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	a, err := app.Open(app.ConfigFromEnv())
	if err != nil {
		log.Fatalf("password-change: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("password-change: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("password-change: %v", err)
	}
	platform.Start(srv.Handler(srv.ChangePassword(svc)))
}

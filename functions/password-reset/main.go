// Command password-reset is a function: POST /password/reset: set a new password with a mailed code; every session ends.
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
		log.Fatalf("password-reset: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("password-reset: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("password-reset: %v", err)
	}
	platform.Start(srv.Handler(srv.ResetPassword(svc)))
}

// Command password-forgot is a function: POST /password/forgot: mail a password-reset code.
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
		log.Fatalf("password-forgot: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("password-forgot: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("password-forgot: %v", err)
	}
	platform.Start(srv.Handler(srv.ForgotPassword(svc)))
}

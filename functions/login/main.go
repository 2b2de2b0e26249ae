// Command login is a function: POST /login: check a password and start a session (an access token and a refresh token).
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
		log.Fatalf("login: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("login: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("login: %v", err)
	}
	platform.Start(srv.Handler(srv.Login(svc)))
}

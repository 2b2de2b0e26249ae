// Command logout is a function: POST /logout: end this session, or every session of the user.
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
		log.Fatalf("logout: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("logout: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("logout: %v", err)
	}
	platform.Start(srv.Handler(srv.Logout(svc)))
}

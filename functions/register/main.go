// Command register is a function: POST /register: sign up an e-mail address.
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
		log.Fatalf("register: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("register: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("register: %v", err)
	}
	platform.Start(srv.Handler(srv.Register(svc)))
}

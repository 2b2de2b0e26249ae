// Command refresh is a function: POST /refresh: trade a refresh token for a new access token and a new refresh token.
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
		log.Fatalf("refresh: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("refresh: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("refresh: %v", err)
	}
	platform.Start(srv.Handler(srv.Refresh(svc)))
}

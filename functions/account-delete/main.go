// Command account-delete is a function: DELETE /account: delete the account, its todos and its sessions.
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
		log.Fatalf("account-delete: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("account-delete: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("account-delete: %v", err)
	}
	platform.Start(srv.Handler(srv.DeleteAccount(svc)))
}

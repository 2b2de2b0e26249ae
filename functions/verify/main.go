// Command verify is a function: POST /verify and GET /verify (the mailed link): verify an address with its code.
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
		log.Fatalf("verify: %v", err)
	}
	srv, err := apiserver.New(a)
	if err != nil {
		log.Fatalf("verify: %v", err)
	}
	svc, err := accounts.New(a)
	if err != nil {
		log.Fatalf("verify: %v", err)
	}
	platform.Start(srv.Handler(srv.Verify(svc)))
}

// Command login is a function: POST /login: check a password and issue an access token.
package main

import (
	"log"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	a, err := app.Open(app.ConfigFromEnv())
	if err != nil {
		log.Fatalf("login: %v", err)
	}
	platform.Start(a.API.Handler(a.API.Login()))
}

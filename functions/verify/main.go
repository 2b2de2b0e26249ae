// Command verify is a function: POST /verify and GET /verify (the mailed link): verify an address with its code.
package main

import (
	"log"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	a, err := app.Open(app.ConfigFromEnv())
	if err != nil {
		log.Fatalf("verify: %v", err)
	}
	platform.Start(a.API.Handler(a.API.Verify()...))
}

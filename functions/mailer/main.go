// Command mailer is the event function fired by the users table's change
// stream: it mails the verification code for a new or re-registered pending
// account, and a notice when someone tries to sign up with a verified one.
package main

import (
	"context"
	"log"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	a, err := app.Open(app.ConfigFromEnv())
	if err != nil {
		log.Fatalf("mailer: %v", err)
	}
	h, err := mailer.Handler(context.Background(), a)
	if err != nil {
		log.Fatalf("mailer: %v", err)
	}
	platform.StartEvents(platform.EventHandlerFunc(h))
}

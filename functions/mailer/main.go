// Command mailer is the event function fired by the users table's change
// stream: it mails the verification code for a new or re-registered pending
// account, and a notice when someone tries to sign up with a verified one.
package main

import (
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/app/start"
	"github.com/todofn/todofn/pkg/route"
)

func main() { start.Events(route.Mailer, mailer.Handler) }

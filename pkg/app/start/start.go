// Package start is what every function's main calls: it opens the App from
// the process environment, builds the function's parts and runs them on
// the platform, turning any failure before the first request into one line
// "<function>: <reason>" on stderr and exit status 1.
//
// It imports no part (no HTTP API, no accounts, todos or mailer code), so a
// function links only the parts its main passes: event functions call
// Events here, HTTP functions apiserver.Start, which builds on Open.
package start

import (
	"context"
	"fmt"
	"os"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/platform"
)

// Open opens the App from the process environment for the function name,
// or exits as Fail does.
func Open(name string) *app.App {
	a, err := app.Open(app.ConfigFromEnv())
	Check(name, err)
	return a
}

// Check exits as Fail does when err is not nil.
func Check(name string, err error) {
	if err != nil {
		Fail(name, err)
	}
}

// Fail prints "<name>: <err>" to stderr and exits with status 1: a
// function that cannot start says why in one line of its log.
func Fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}

// EventHandler builds an event function's handler from the App, as
// mailer.Handler does.
type EventHandler func(ctx context.Context, a *app.App) (func(ctx context.Context, payload []byte) ([]byte, error), error)

// Events runs the event function name: it opens the App, builds its
// handler with open and runs it on the platform (platform.StartEvents).
func Events(name string, open EventHandler) {
	a := Open(name)
	h, err := open(context.Background(), a)
	Check(name, err)
	platform.StartEvents(platform.EventHandlerFunc(h))
}

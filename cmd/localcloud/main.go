// Command localcloud runs the function binaries built for a cloud under that
// cloud's runtime protocol on this machine, behind one HTTP origin, so the
// whole system (web app included) can be used and tested as it runs in the
// cloud, without an account or Docker:
//
//	make run-lambda   # each binary under aws-lambda-rie; DynamoDB on dynalite; Mailpit
//	make run-fc       # each binary under the FC3 runtime API double; the Tablestore double; Mailpit
//
// The front turns each request into its route's function-URL (Lambda) or
// HTTP-trigger (FC3) event, and the tool plays the users table's stream to
// the mailer. Flags default from the environment; see docs/localcloud.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	o, err := parseOptions(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "localcloud: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "localcloud: %v\n", err)
		os.Exit(1)
	}
}

package devstack

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a dev tool: run gets the command's arguments, its output and
// a context that SIGINT or SIGTERM ends, so the tool stops what it started
// before it exits; the process then exits with run's code.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	os.Exit(runMain(run, os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int, args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdout, stderr)
}

// Command devstack is make run-services: the local server on the DynamoDB
// engine against dynalite, with mail through Mailpit. It starts both
// (internal/devstack, as cmd/soak's "services" target does), creates the
// tables, builds and runs ./cmd/local, and stops everything on Ctrl-C.
// dynalite keeps its tables and Mailpit its mail in -data across runs.
//
//	go run ./cmd/devstack                  # what scripts/run-services.sh runs
//	PORT=9000 DYNALITE_PORT=9001 go run ./cmd/devstack
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/repo"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
)

func main() { devstack.Main(run) }

// envInt is the integer in the environment variable name, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// run is main without the process: it returns the exit status once ctx
// ends (0) or something fails (1).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", envInt("PORT", 8080), "`port` of the local server ($PORT)")
	o := devstack.ServicesOptions{Persist: true}
	fs.IntVar(&o.DynalitePort, "dynalite-port", envInt("DYNALITE_PORT", 8000), "`port` of dynalite ($DYNALITE_PORT)")
	fs.IntVar(&o.SMTPPort, "smtp-port", envInt("MAILPIT_SMTP_PORT", 1025), "SMTP `port` of Mailpit ($MAILPIT_SMTP_PORT)")
	fs.IntVar(&o.MailpitPort, "mailpit-port", envInt("MAILPIT_PORT", 8025), "web UI `port` of Mailpit ($MAILPIT_PORT)")
	fs.StringVar(&o.Dir, "data", filepath.Join("data", "services"), "`folder` of dynalite's tables and Mailpit's mail")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	if err := up(ctx, o, *port, stdout); err != nil {
		fmt.Fprintf(stderr, "devstack: %v\n", err)
		return 1
	}
	return 0
}

// up starts the stack and serves until ctx ends.
func up(ctx context.Context, o devstack.ServicesOptions, port int, stdout io.Writer) error {
	root, err := repo.Root()
	if err != nil {
		return fmt.Errorf("%w: run it inside the repository", err)
	}
	o.Root = root
	if !filepath.IsAbs(o.Dir) {
		o.Dir = filepath.Join(root, o.Dir)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	s, err := devstack.StartServices(ctx, o)
	if err != nil {
		return err
	}
	defer s.Stop()
	// The caller's settings (JWT keys, limits, …) reach the server too;
	// the services' own come last and win.
	env := append(os.Environ(), s.Env...)
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = tables.Create(tctx, app.ConfigFrom(func(k string) string { return devstack.Lookup(env, k) }))
	cancel()
	if err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	fmt.Fprintf(stdout, "dynalite: %s  Mailpit: %s (SMTP 127.0.0.1:%d)\n", s.Dynalite.Endpoint, s.Mailpit.APIURL, s.Mailpit.SMTPPort)
	bin := filepath.Join(root, "build", "local", "todofn-local")
	if err := devstack.BuildLocal(ctx, root, bin); err != nil {
		return err
	}
	srv, err := devstack.StartServer(ctx, devstack.ServerOptions{Name: "local server", Bin: bin, Dir: root,
		Port: port, Env: env, Health: "/healthz", Out: stdout})
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Fprintf(stdout, "local server: %s (Ctrl-C stops everything)\n", srv.URL)
	select {
	case <-ctx.Done():
		return nil
	case <-srv.Exited():
		return fmt.Errorf("the local server exited:\n%s", srv.Tail(20))
	}
}

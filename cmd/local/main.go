// Command local runs the whole system on one machine: every function's
// handler on its route behind one server, the embedded store, the mailer fed
// by the store's change feed, a dev mail sink and the web app.
//
//	go run ./cmd/local            # http://127.0.0.1:8080
//
// It needs no configuration: see the README for the variables it reads. It
// serves through package platform's plain HTTP server, as a function does
// on the FC custom runtime.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "local: %v\n", err)
		os.Exit(1)
	}
}

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run() error {
	host, port := getenv("HOST", "127.0.0.1"), getenv("PORT", "8080")
	origin := "http://" + net.JoinHostPort(host, port)
	// Local defaults, each overridable by the environment.
	defaults := map[string]string{
		"HOST":            host,
		"PORT":            port,
		"LOG_FORMAT":      "text",
		"APP_URL":         origin + "/",
		"ALLOWED_ORIGINS": origin + ",http://localhost:" + port,
	}
	env := func(name string) string { return getenv(name, defaults[name]) }
	cfg := app.ConfigFrom(env)
	a, err := app.Open(cfg)
	if errors.Is(err, bolt.ErrLocked) {
		// The embedded store's file is held by another process (bolt.Open
		// gives up after 100ms): most likely another make run.
		dir := cfg.DataDir
		if !filepath.IsAbs(dir) && !strings.HasPrefix(dir, ".") {
			dir = "./" + dir
		}
		return fmt.Errorf("another todofn server is using %s (%s is locked); stop it or set DATA_DIR",
			dir, dir+string(filepath.Separator)+"todofn.db")
	}
	if err != nil {
		return err
	}
	defer a.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	apiHandler, err := apiFunctions(ctx, a)
	if err != nil {
		return err
	}
	go sweep(ctx, a)
	site := newSite(a, origin, getenv("MAILBOX_URL", ""), getenv("WEB_DIR", "web"))
	return platform.Run(ctx, env, apiserver.Wrap(a, site.handler(apiHandler)), platform.OnListen(func(net.Addr) {
		fmt.Printf("listening on %s\n  web app:  %s/\n  mailbox:  %s\n  data:     %s (%s store)\n",
			origin, origin, site.mailboxNote, a.Config.DataDir, a.Config.Store)
	}))
}

// apiFunctions builds every HTTP function of the route table on one
// server, with the mailer fed by the store's change feed, or, on engines
// whose stream this process cannot read (dynalite and the Tablestore double
// have none), by this process's own account writes.
func apiFunctions(ctx context.Context, a *app.App) (http.Handler, error) {
	srv, err := apiserver.New(a)
	if err != nil {
		return nil, err
	}
	acc, err := accounts.New(a)
	if err != nil {
		return nil, err
	}
	sender, err := mailer.Sender(a, os.Stdout)
	if err != nil {
		return nil, err
	}
	notifier := mailer.Notifier(a, sender)
	if !a.Follow(ctx, mailer.Feed(a, notifier)) {
		acc.Users = &feedingUsers{UserStore: acc.Users, fn: notifier.Handle, log: a.Log}
	}
	return srv.Handler(srv.All(acc, todos.New(a))...), nil
}

// sweep drops expired idempotency keys and counters now and then; the cloud
// engines leave this to the table's TTL.
func sweep(ctx context.Context, a *app.App) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.Sweep(); err != nil {
			a.Log.Error("sweep", "error", err)
		} else if n > 0 {
			a.Log.Debug("sweep", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

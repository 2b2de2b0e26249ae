// Command local runs the whole system on one machine: every function's
// handler on its route behind one server, the embedded store, the mailer fed
// by the store's change feed, a dev mail sink and the web app.
//
//	go run ./cmd/local            # http://127.0.0.1:8080
//
// It needs no configuration: see the README for the variables it reads.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/bolt"
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
	env := map[string]string{
		"LOG_FORMAT":      "text",
		"APP_URL":         origin + "/",
		"ALLOWED_ORIGINS": origin + ",http://localhost:" + port,
	}
	cfg := app.ConfigFrom(func(name string) string { return getenv(name, env[name]) })
	a, err := app.Open(cfg)
	if err != nil {
		return err
	}
	defer a.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	sender, err := a.MailSender(os.Stdout)
	if err != nil {
		return err
	}
	notifier := a.Notifier(sender)
	if a.Bolt != nil {
		go func() {
			_ = a.Bolt.Follow(ctx, notifier.Handle, bolt.FollowOptions{OnError: func(seq uint64, err error) {
				a.Log.Error("mailer: change not handled; will retry", "seq", seq, "error", err)
			}})
		}()
		go sweep(ctx, a)
	} else {
		// dynalite and the Tablestore double have no stream: feed the
		// mailer from this process's own writes, through the same code.
		a.FeedUserChanges(notifier.Handle)
	}

	mux := http.NewServeMux()
	apiHandler := a.API.Handler(a.API.Routes()...)
	for _, p := range apiPaths {
		mux.Handle(p, apiHandler)
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	// Where the web app's "check your mail" page links: the dev sink's page,
	// or MAILBOX_URL (make run-services points it at Mailpit's web UI).
	mailboxURL := os.Getenv("MAILBOX_URL")
	mailboxNote := mailboxURL
	if mailboxURL == "" && a.Config.SMTPHost == "" {
		mailboxURL = origin + "/_dev/mail"
		mailboxNote = mailboxURL + " (files in " + a.Config.MailDir + ")"
	} else if mailboxURL == "" {
		mailboxNote = "sent through SMTP " + a.Config.SMTPHost
	}
	mux.HandleFunc("/config.json", func(w http.ResponseWriter, r *http.Request) {
		routes := map[string]string{}
		for _, f := range api.Functions {
			routes[f] = origin
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		cfg := map[string]any{"functions": routes}
		if mailboxURL != "" {
			cfg["mailbox"] = mailboxURL
		}
		_ = json.NewEncoder(w).Encode(cfg)
	})
	box := &mailbox{dir: a.Config.MailDir}
	mux.HandleFunc("/_dev/mail", box.page)
	mux.HandleFunc("/_dev/mail.json", box.json)
	mux.Handle("/", http.FileServer(http.Dir(getenv("WEB_DIR", "web"))))

	// The API answers its own methods; everything else here is read-only.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := mux.Handler(r); pattern == "/" || !isAPI(pattern) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})

	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Printf("listening on %s\n  web app:  %s/\n  mailbox:  %s\n  data:     %s (%s store)\n",
		origin, origin, mailboxNote, a.Config.DataDir, a.Config.Store)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// apiPaths are the patterns the API handler serves.
var apiPaths = []string{"/register", "/verify", "/login", "/todos", "/todos/"}

func isAPI(pattern string) bool { return slices.Contains(apiPaths, pattern) }

// sweep drops expired idempotency keys and counters now and then; the cloud
// engines leave this to the table's TTL.
func sweep(ctx context.Context, a *app.App) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.Bolt.Sweep(time.Now()); err != nil {
			a.Log.Error("sweep", "error", err)
		} else if n > 0 {
			a.Log.Debug("sweep", slog.Int("removed", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

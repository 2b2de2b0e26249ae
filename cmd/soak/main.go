// Command soak is a bounded load test with a correctness check: N clients
// sign up (the code through the mailbox), log in and, for a fixed time, add
// (with idempotent retries, in turn and at once), list, update and delete
// todos, each keeping a model of its list; at the end every list is read
// back page by page and compared with its model. It prints requests,
// throughput, p50/p99 latency per operation and the count of 5xx, other
// errors, and lost, duplicated, phantom or mismatched todos, and exits 1
// on any of them.
//
//	go run ./cmd/soak -start local,services   # what make soak runs
//	go run ./cmd/soak -base http://127.0.0.1:8080 -mailbox http://127.0.0.1:8025
//
// -start runs each target in turn on free 127.0.0.1 ports with its data in
// a temporary folder: "local" builds and runs ./cmd/local on the embedded
// store (codes read from its /_dev/mail.json); "services" runs the same
// server on the DynamoDB engine against dynalite with mail through Mailpit,
// as make run-services does. Without -start it soaks the server at -base,
// which must be on loopback: start that server with RATE_LIMITS=off (every
// client comes from one address) and, where the per-user write budget is
// set, USER_WRITE_LIMIT=1000/1s. -mailbox is the dev sink's
// /_dev/mail.json (the default, under -base) or a Mailpit's URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/devstack"
)

func main() { devstack.Main(run) }

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	start := fs.String("start", "", "targets to start and soak in turn, comma-separated: local, services (default: local, unless -base is set)")
	base := fs.String("base", "", "soak the server at this loopback URL instead of starting one")
	mailbox := fs.String("mailbox", "", "with -base: the dev sink's /_dev/mail.json (default BASE/_dev/mail.json) or a Mailpit URL")
	binary := fs.String("server", "", "with -start: a built ./cmd/local to run (default: build it)")
	clients := fs.Int("clients", 64, "clients at once")
	duration := fs.Duration("duration", 30*time.Second, "how long the clients run, sign-up included")
	seed := fs.Uint64("seed", 1, "seeds the clients' choices")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *clients < 1 || *duration <= 0 || *timeout <= 0 || (*start != "" && *base != "") {
		fmt.Fprintln(stderr, "soak: want -clients >= 1, -duration and -timeout > 0, and -start or -base, not both")
		return 2
	}
	cfg := Config{Clients: *clients, Duration: *duration, Seed: *seed, Timeout: *timeout}
	hc := &http.Client{}
	if *base != "" {
		if err := loopbackURL(*base); err != nil {
			fmt.Fprintf(stderr, "soak: -base: %v\n", err)
			return 2
		}
		cfg.Base = strings.TrimRight(*base, "/")
		mb := *mailbox
		if mb == "" {
			mb = cfg.Base + "/_dev/mail.json"
		}
		m, err := NewMailbox(mb, hc)
		if err != nil {
			fmt.Fprintf(stderr, "soak: -mailbox: %v\n", err)
			return 2
		}
		cfg.Mailbox = m
		r := Run(ctx, cfg)
		r.Print(stdout, cfg.Base)
		return status(r)
	}
	if *start == "" {
		*start = targetLocal
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	st := &starter{root: root, binary: *binary}
	defer st.close()
	code := 0
	for _, kind := range strings.Split(*start, ",") {
		r, srv, err := soakTarget(ctx, st, strings.TrimSpace(kind), cfg, hc)
		if err != nil {
			fmt.Fprintf(stderr, "soak: %s: %v\n", kind, err)
			code = 1
			continue
		}
		r.Print(stdout, srv.Name)
		if r.Failed() {
			fmt.Fprintf(stdout, "  the server's last lines:\n%s\n", indent(srv.Logs()))
			code = 1
		}
	}
	return code
}

// soakTarget starts the target kind, soaks it and stops it.
func soakTarget(ctx context.Context, st *starter, kind string, cfg Config, hc *http.Client) (Report, *server, error) {
	srv, err := st.start(ctx, kind)
	if err != nil {
		return Report{}, nil, err
	}
	defer srv.Stop()
	m, err := NewMailbox(srv.Mailbox, hc)
	if err != nil {
		return Report{}, nil, err
	}
	cfg.Base, cfg.Mailbox = srv.Base, m
	r := Run(ctx, cfg)
	if ctx.Err() != nil {
		return r, srv, errors.New("interrupted")
	}
	return r, srv, nil
}

func status(r Report) int {
	if r.Failed() {
		return 1
	}
	return 0
}

// loopbackURL refuses anything but an http URL on a loopback address: the
// soak signs up many accounts and is no tool for a shared server.
func loopbackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("%q is not an http URL", s)
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); h != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address; the soak only runs against a server on this machine", h)
	}
	return nil
}

func indent(s string) string {
	if s == "" {
		return "    (none)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

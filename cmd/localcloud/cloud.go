package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/todofn/todofn/internal/dynamostreamtest"
	"github.com/todofn/todofn/internal/fcruntimetest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/route"
)

// Versions the tools are installed at (as scripts/install-tools.sh does).
const (
	rieInstall     = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"
	mailpitInstall = "go install github.com/axllent/mailpit@v1.33.1"
)

// functions are every function the tool runs: the HTTP ones and the mailer.
var functions = route.Names(route.All())

// passThrough are the optional settings handed to every function when they
// are set in the tool's environment.
var passThrough = []string{"LOG_LEVEL", "MAIL_FROM", "JWT_TTL", "JWT_ISSUER", "JWT_AUDIENCE",
	"USERS_TABLE", "TODOS_TABLE", "KEYS_TABLE", "SMTP_USERNAME", "SMTP_PASSWORD"}

// cloud is one run: the children it started and what to close at the end.
type cloud struct {
	o       options
	con     *console
	log     *slog.Logger
	mu      sync.Mutex
	kids    []*child
	closers []func()
	died    chan *child // a child that exited on its own
	stopped chan struct{}
}

// run starts everything, serves until ctx ends or a child dies, and stops
// everything it started.
func run(ctx context.Context, o options, stdout io.Writer) error {
	con := &console{out: stdout, width: len("todos-update")}
	c := &cloud{o: o, con: con, died: make(chan *child, 1), stopped: make(chan struct{}),
		log: slog.New(slog.NewTextHandler(con.writer("localcloud"), &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					return slog.Attr{}
				}
				return a
			}}))}
	defer c.shutdown()

	origin := "http://" + net.JoinHostPort(o.host, o.port)
	// Fail before starting anything when the front's port is taken. It is
	// bound for good only once everything is up, so that a connection to it
	// means ready.
	probe, err := net.Listen("tcp", net.JoinHostPort(o.host, o.port))
	if err != nil {
		return err
	}
	probe.Close()
	bins := map[string]string{}
	for _, fn := range functions {
		if bins[fn], err = binary(o.bin, fn); err != nil {
			return err
		}
	}
	if o.mode == "lambda" {
		if c.o.rie, err = tool(o.rie, "aws-lambda-rie", rieInstall); err != nil {
			return err
		}
	}
	env, err := c.baseEnv(origin)
	if err != nil {
		return err
	}
	smtp, mailbox, err := c.mail(ctx)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(smtp)
	env["SMTP_HOST"], env["SMTP_PORT"] = host, port

	playCtx, stopPlaying := context.WithCancel(ctx)
	defer stopPlaying()
	var fns map[string]invoker
	var cd codec
	var where string
	if o.mode == "lambda" {
		fns, where, err = c.lambda(ctx, playCtx, env, bins)
		cd = lambdaCodec
	} else {
		fns, where, err = c.fc(ctx, playCtx, env, bins)
		cd = fcCodec
	}
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(o.host, o.port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newFront(origin, mailbox, http.Dir(o.web), cd, fns, c.log),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	c.con.println(fmt.Sprintf("listening on %s\n  web app:  %s/\n  mailbox:  %s\n  %s", origin, origin, orNone(mailbox), where))

	select {
	case <-ctx.Done():
	case ch := <-c.died:
		err = fmt.Errorf("%s exited: %v", ch.name, ch.err)
	case err = <-served:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// println writes text to the console without a prefix.
func (c *console) println(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _ = io.WriteString(c.out, text+"\n")
}

// baseEnv is the environment every function gets, engine aside: one set of
// development secrets, made once per run, for all of them.
func (c *cloud) baseEnv(origin string) (map[string]string, error) {
	get := c.o.getenv
	env := map[string]string{
		"LOG_FORMAT":    "text",
		"APP_URL":       origin + "/",
		"VERIFY_URL":    origin + "/verify",
		"SMTP_SECURITY": "none",
		"JWT_KEYS":      get("JWT_KEYS"),
		"APP_SECRET":    get("APP_SECRET"),
	}
	if v := get("LOG_FORMAT"); v != "" {
		env["LOG_FORMAT"] = v
	}
	if v := get("APP_URL"); v != "" {
		env["APP_URL"] = v
	}
	if c.o.smtp != "" && get("SMTP_SECURITY") != "" {
		env["SMTP_SECURITY"] = get("SMTP_SECURITY")
	}
	origins := []string{origin, "http://localhost:" + c.o.port}
	for _, extra := range strings.Split(get("ALLOWED_ORIGINS"), ",") {
		if extra = strings.TrimSpace(extra); extra != "" && !slices.Contains(origins, extra) {
			origins = append(origins, extra)
		}
	}
	env["ALLOWED_ORIGINS"] = strings.Join(origins, ",")
	for _, k := range passThrough {
		if v := get(k); v != "" {
			env[k] = v
		}
	}
	if env["JWT_KEYS"] == "" {
		key, err := keyset.New("dev")
		if err != nil {
			return nil, err
		}
		env["JWT_KEYS"] = keyset.Format([]keyset.Key{key})
	}
	if env["APP_SECRET"] == "" {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
		env["APP_SECRET"] = base64.RawURLEncoding.EncodeToString(secret)
	}
	return env, nil
}

// config is the app configuration env describes, for the tables.
func config(env map[string]string) app.Config {
	return app.ConfigFrom(func(k string) string { return env[k] })
}

// childEnv is env as a process environment, with PATH and HOME.
func childEnv(env map[string]string, extra ...string) []string {
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return append(out, extra...)
}

// start starts a child and watches it: one that exits before the run ends
// ends the run.
func (c *cloud) start(name string, argv, env []string) (*child, error) {
	ch, err := startChild(c.con, name, argv, env)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.kids = append(c.kids, ch)
	c.mu.Unlock()
	go func() {
		select {
		case <-ch.done:
			select {
			case c.died <- ch:
			default:
			}
		case <-c.stopped:
		}
	}()
	return ch, nil
}

// shutdown stops every child, all at once, then closes the in-process
// servers.
func (c *cloud) shutdown() {
	close(c.stopped)
	c.mu.Lock()
	kids := c.kids
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, ch := range kids {
		wg.Go(func() { ch.stop(3 * time.Second) })
	}
	wg.Wait()
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
}

// mail returns the SMTP server's address and the mailbox UI, starting
// Mailpit unless -smtp names a server.
func (c *cloud) mail(ctx context.Context) (smtp, mailbox string, err error) {
	if c.o.smtp != "" {
		return c.o.smtp, c.o.mailbox, nil
	}
	bin, err := tool(c.o.mailpit, "mailpit", mailpitInstall)
	if err != nil {
		return "", "", err
	}
	smtp = "127.0.0.1:" + strconv.Itoa(c.o.mailpitSMTPPort)
	ui := "127.0.0.1:" + strconv.Itoa(c.o.mailpitPort)
	ch, err := c.start("mailpit", []string{bin, "--smtp", smtp, "--listen", ui, "--disable-version-check",
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure"}, childEnv(nil))
	if err != nil {
		return "", "", err
	}
	if err := waitTCP(smtp, ch, 20*time.Second); err != nil {
		return "", "", err
	}
	mailbox = c.o.mailbox
	if mailbox == "" {
		mailbox = "http://" + ui + "/"
	}
	return smtp, mailbox, nil
}

// retry calls f until it succeeds, a bounded number of times: a server
// just started may accept connections before it answers properly.
func retry(ctx context.Context, f func() error) error {
	var err error
	for range 40 {
		if err = f(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return err
}

// lambda starts DynamoDB (dynalite unless given), creates the tables and
// runs each function under its own runtime interface emulator, and plays the
// users table's stream to the mailer until playCtx ends.
func (c *cloud) lambda(ctx, playCtx context.Context, env, bins map[string]string) (map[string]invoker, string, error) {
	endpoint := c.o.dynamoEndpoint
	if endpoint == "" {
		addr := "127.0.0.1:" + strconv.Itoa(c.o.dynalitePort)
		ch, err := c.start("dynalite", []string{c.o.dynalite, "--host", "127.0.0.1", "--port", strconv.Itoa(c.o.dynalitePort),
			"--createTableMs", "50", "--deleteTableMs", "50", "--updateTableMs", "50"}, childEnv(nil))
		if err != nil {
			return nil, "", fmt.Errorf("%w (npm install provides dynalite)", err)
		}
		if err := waitTCP(addr, ch, 20*time.Second); err != nil {
			return nil, "", err
		}
		endpoint = "http://" + addr
	}
	env["STORE"] = "dynamodb"
	env["DYNAMODB_ENDPOINT"] = endpoint
	env["AWS_REGION"] = cmp.Or(c.o.getenv("AWS_REGION"), "us-east-1")
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "localcloud", "localcloud"
	cfg := config(env)
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	if err := retry(ctx, func() error { return app.CreateTables(ctx, cfg) }); err != nil {
		return nil, "", fmt.Errorf("create tables: %w", err)
	}

	fns := map[string]invoker{}
	for _, fn := range functions {
		bin := bins[fn]
		addr, err := freeAddr()
		if err != nil {
			return nil, "", err
		}
		apiAddr, err := freeAddr()
		if err != nil {
			return nil, "", err
		}
		// Both addresses on loopback: the emulator's defaults listen on
		// every interface.
		ch, err := c.start(fn, []string{c.o.rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bin},
			childEnv(env, "AWS_LAMBDA_FUNCTION_NAME="+fn, "AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(functionTimeout/time.Second))))
		if err != nil {
			return nil, "", err
		}
		if err := waitTCP(addr, ch, 20*time.Second); err != nil {
			return nil, "", err
		}
		fns[fn] = newRIE(addr)
	}

	stream := dynamostreamtest.New(cfg.DynamoDBEndpoint, cfg.AWSRegion, cfg.UsersTable)
	// What is in the table already was mailed about in an earlier run.
	if existing, err := stream.Poll(ctx); err != nil {
		return nil, "", err
	} else if len(existing) > 0 {
		c.log.Info("stream: starting after the users already in the table", "users", len(existing))
	}
	p := &dynamoPlayer{poll: stream.Poll, mailer: fns["mailer"], log: c.log}
	go play(playCtx, p)
	return fns, "DynamoDB: " + endpoint + " (tables " + cfg.UsersTable + ", " + cfg.TodosTable + ", " + cfg.KeysTable + ")", nil
}

// fc serves the Tablestore double, creates the tables, runs each function
// against its own FC runtime API double, and plays the users table's
// Tablestore trigger to the mailer until playCtx ends.
func (c *cloud) fc(ctx, playCtx context.Context, env, bins map[string]string) (map[string]invoker, string, error) {
	ts := tablestoretest.New()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(c.o.tablestorePort))
	if err != nil {
		return nil, "", fmt.Errorf("tablestore double: %w", err)
	}
	tsSrv := &http.Server{Handler: ts.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = tsSrv.Serve(ln) }()
	c.closers = append(c.closers, func() { _ = tsSrv.Close() })
	endpoint := "http://" + ln.Addr().String()

	instance := cmp.Or(c.o.getenv("TABLESTORE_INSTANCE"), "todofn")
	env["STORE"] = "tablestore"
	env["TABLESTORE_ENDPOINT"] = endpoint
	env["TABLESTORE_INSTANCE"] = instance
	env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "localcloud", "localcloud"
	cfg := config(env)
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	if err := app.CreateTables(ctx, cfg); err != nil {
		return nil, "", fmt.Errorf("create tables: %w", err)
	}

	fns := map[string]invoker{}
	for _, fn := range functions {
		bin := bins[fn]
		rt := fcruntimetest.NewServer(fcruntimetest.WithTimeout(functionTimeout))
		c.closers = append(c.closers, rt.Close)
		if _, err := c.start(fn, []string{bin}, childEnv(env, "FC_RUNTIME_API="+rt.Addr())); err != nil {
			return nil, "", err
		}
		fns[fn] = rt
	}
	p := &tablestorePlayer{changes: func(from int) []tablestoretest.Change { return ts.Changes(instance, cfg.UsersTable, from) },
		mailer: fns["mailer"], log: c.log}
	go play(playCtx, p)
	return fns, "Tablestore double: " + endpoint + " (instance " + instance + ")", nil
}

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

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/route"
)

// Versions the tools are installed at (as scripts/install-tools.sh does).
const (
	rieInstall     = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"
	mailpitInstall = devstack.MailpitInstall
)

// functions are every function the tool runs: the HTTP ones and the mailer.
var functions = route.Names(route.All())

// passThrough are the optional settings handed to every function when they
// are set in the tool's environment.
var passThrough = []string{"LOG_LEVEL", "MAIL_FROM", "JWT_TTL", "JWT_ISSUER", "JWT_AUDIENCE",
	"USERS_TABLE", "TODOS_TABLE", "KEYS_TABLE", "SESSIONS_TABLE", "SMTP_USERNAME", "SMTP_PASSWORD",
	"RATE_LIMITS", "IP_SIGNUP_LIMIT", "IP_VERIFY_LIMIT", "IP_REFRESH_LIMIT", "IP_LOGIN_FAILURE_LIMIT", "TRUSTED_PROXIES"}

// cloud is one run: the children it started and what to close at the end.
type cloud struct {
	o       options
	con     *console
	log     *slog.Logger
	mu      sync.Mutex
	kids    []*child
	closers []func()
	died    chan *child // a child that exited on its own
	jwks    []byte      // the JWK Set of the functions' keys, made by baseEnv
	gray    *grayRouter // the candidates, with -candidate-bin (gray.go)
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
	playCtx, stopPlaying := context.WithCancel(ctx)
	defer stopPlaying()
	fns, cd, mailbox, where, err := c.startAll(ctx, playCtx, origin)
	if err != nil {
		return err
	}
	f := newFront(origin, mailbox, http.Dir(o.web), cd, fns, c.log)
	f.jwks, f.gray = c.jwks, c.gray
	return c.serve(ctx, f,
		fmt.Sprintf("listening on %s\n  web app:  %s/\n  mailbox:  %s\n  %s", origin, origin, orNone(mailbox), where))
}

// startAll starts the mail server, the store and one runtime per function,
// and returns the functions to invoke with the codec of their events.
func (c *cloud) startAll(ctx, playCtx context.Context, origin string) (fns map[string]invoker, cd codec, mailbox, where string, err error) {
	bins := map[string]string{}
	for _, fn := range c.o.names() {
		if bins[fn], err = binary(c.o.bin, fn); err != nil {
			return nil, cd, "", "", err
		}
	}
	if c.o.mode == "lambda" {
		if c.o.rie, err = tool(c.o.rie, "aws-lambda-rie", rieInstall); err != nil {
			return nil, cd, "", "", err
		}
	}
	env, err := c.baseEnv(origin)
	if err != nil {
		return nil, cd, "", "", err
	}
	smtp, mailbox, err := c.mail(ctx)
	if err != nil {
		return nil, cd, "", "", err
	}
	host, port, _ := net.SplitHostPort(smtp)
	env["SMTP_HOST"], env["SMTP_PORT"] = host, port
	cd, startFn := fcCodec, c.startFC
	if c.o.mode == "lambda" {
		cd, startFn = lambdaCodec, c.startLambda
		fns, where, err = c.lambda(ctx, playCtx, env, bins)
	} else {
		fns, where, err = c.fc(ctx, playCtx, env, bins)
	}
	if err == nil {
		c.gray, err = c.candidates(env, startFn)
	}
	return fns, cd, mailbox, where, err
}

// serve runs the front on the tool's address, says banner when it listens,
// and returns when ctx ends, a child dies or the front fails.
func (c *cloud) serve(ctx context.Context, front http.Handler, banner string) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(c.o.host, c.o.port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: front, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	c.con.println(banner)

	select {
	case <-ctx.Done():
	case ch := <-c.died:
		err = fmt.Errorf("%s exited: %v", ch.name, ch.Err())
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
		"LOG_FORMAT":       "text",
		"APP_URL":          origin + "/",
		"VERIFY_URL":       origin + "/verify",
		"SMTP_SECURITY":    "none",
		"JWT_SIGNING_KEYS": get("JWT_SIGNING_KEYS"),
		"JWT_PUBLIC_KEYS":  get("JWT_PUBLIC_KEYS"),
		"APP_SECRET":       get("APP_SECRET"),
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
	// One development ES256 pair for the run. Every function gets the
	// signing key (locally that is simpler than the cloud's split, where
	// only login and refresh hold it and the rest JWT_PUBLIC_KEYS).
	if env["JWT_SIGNING_KEYS"] == "" && env["JWT_PUBLIC_KEYS"] == "" {
		key, err := keyset.Generate("dev")
		if err != nil {
			return nil, err
		}
		if env["JWT_SIGNING_KEYS"], err = keyset.FormatSigning([]keyset.SigningKey{key}); err != nil {
			return nil, err
		}
	}
	keys, err := config(env).JWTVerifying()
	if err != nil {
		return nil, fmt.Errorf("localcloud: %w", err)
	}
	if c.jwks, err = keyset.MarshalJWKS(keys); err != nil {
		return nil, err
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
	return c.adopt(name, ch.Proc), nil
}

// adopt watches p, a child started by the tool or by internal/devstack
// (dynalite, Mailpit): stopped with the others at the end, and ending the
// run when it exits first.
func (c *cloud) adopt(name string, p *devstack.Proc) *child {
	ch := &child{name: name, done: p.Exited(), Proc: p}
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
	return ch
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
		wg.Go(ch.Stop)
	}
	wg.Wait()
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
}

// mail returns the SMTP server's address and the mailbox UI, starting
// Mailpit (internal/devstack, as make run-services does) unless -smtp names
// a server.
func (c *cloud) mail(ctx context.Context) (smtp, mailbox string, err error) {
	if c.o.smtp != "" {
		return c.o.smtp, c.o.mailbox, nil
	}
	bin, err := tool(c.o.mailpit, "mailpit", mailpitInstall)
	if err != nil {
		return "", "", err
	}
	m, err := devstack.StartMailpit(ctx, devstack.MailpitOptions{Bin: bin, SMTPPort: c.o.mailpitSMTPPort, UIPort: c.o.mailpitPort,
		Args: []string{"--smtp-auth-accept-any", "--smtp-auth-allow-insecure"}, Out: c.con.writer("mailpit")})
	if err != nil {
		return "", "", err
	}
	c.adopt("mailpit", m.Proc)
	return net.JoinHostPort(m.SMTPHost, strconv.Itoa(m.SMTPPort)), cmp.Or(c.o.mailbox, m.APIURL+"/"), nil
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

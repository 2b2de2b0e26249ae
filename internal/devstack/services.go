package devstack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/dynamotx"
)

// MailpitVersion is the Mailpit release the tests are written against;
// scripts/install-tools.sh installs it (TestInstallPins checks the two
// agree).
const MailpitVersion = "v1.33.1"

// MailpitInstall is the command that installs MailpitVersion.
const MailpitInstall = "go install github.com/axllent/mailpit@" + MailpitVersion

// ToxiproxyBinary is the name toxiproxy-server is installed under.
const ToxiproxyBinary = "toxiproxy-server"

// ToxiproxyInstall installs the Toxiproxy the tests are written against;
// its command is named "server", so it is renamed.
const ToxiproxyInstall = `d=$(mktemp -d) && GOBIN=$d go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0 && mv $d/server ~/go/bin/toxiproxy-server (or scripts/install-tools.sh)`

// serviceTimeout bounds how long a service may take to answer once started.
const serviceTimeout = 20 * time.Second

// retry calls try up to portAttempts times (once unless free says try
// picks free ports) while it fails with an error that is not ErrMissing,
// and returns its last error.
func retry[T any](free bool, try func() (T, error)) (T, error) {
	var v T
	var err error
	n := 1
	if free {
		n = portAttempts
	}
	for range n {
		if v, err = try(); err == nil || errors.Is(err, ErrMissing) {
			return v, err
		}
	}
	return v, err
}

// port returns p, or a free port when p is 0.
func port(p int) (int, error) {
	if p != 0 {
		return p, nil
	}
	return FreePort()
}

// DynaliteOptions configures StartDynalite.
type DynaliteOptions struct {
	Root string // the repository, whose node_modules/.bin holds dynalite
	Port int    // the Endpoint's (the transaction layer's); 0 picks a free one
	Path string // a folder to keep the tables in; empty keeps them in memory
	// Fast makes table creation, deletion and updates take 50 ms instead
	// of dynalite's default 500 ms, for tests.
	Fast bool
	Bin  string    // dynalite's program; empty: Root's node_modules/.bin/dynalite
	Out  io.Writer // also gets its output, if not nil (a dev tool's console)
}

// Dynalite is a running dynalite, an in-memory DynamoDB-API server from npm,
// served through internal/dynamotx, which adds the TransactWriteItems and
// TransactGetItems dynalite lacks.
type Dynalite struct {
	Endpoint string // the transaction layer, such as http://127.0.0.1:PORT
	Direct   string // dynalite itself, without transactions
	*Proc
	tx *dynamotx.Server
}

// Stop stops dynalite and its transaction layer.
func (d *Dynalite) Stop() {
	d.Proc.Stop()
	_ = d.tx.Close() // the layer only stops listening: nothing is left to report
}

// StartDynalite runs dynalite and waits until it answers HTTP, then serves
// it through the transaction layer (on o.Port; dynalite itself takes a free
// port), which closes when dynalite exits. It fails with ErrMissing when
// dynalite or node is not installed.
func StartDynalite(ctx context.Context, o DynaliteOptions) (*Dynalite, error) {
	d, err := startDynalite(ctx, o)
	if err != nil {
		return nil, err
	}
	if d.tx, err = dynamotx.Listen("127.0.0.1:"+strconv.Itoa(o.Port), d.Endpoint, dynamotx.Options{}); err != nil {
		d.Proc.Stop()
		return nil, fmt.Errorf("dynalite: %w", err)
	}
	go func() { <-d.Exited(); _ = d.tx.Close() }()
	d.Direct, d.Endpoint = d.Endpoint, d.tx.URL
	return d, nil
}

func startDynalite(ctx context.Context, o DynaliteOptions) (*Dynalite, error) {
	bin := cmp.Or(o.Bin, filepath.Join(o.Root, "node_modules", ".bin", "dynalite"))
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("dynalite %w at %s: run make tools (or npm install at the repository root)", ErrMissing, bin)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("node %w: dynalite needs Node.js", ErrMissing)
	}
	return retry(true, func() (*Dynalite, error) {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		args := []string{"--host", "127.0.0.1", "--port", strconv.Itoa(p)}
		if o.Path != "" {
			args = append(args, "--path", o.Path)
		}
		if o.Fast {
			args = append(args, "--createTableMs", "50", "--deleteTableMs", "50", "--updateTableMs", "50")
		}
		// dynalite prints "Listening at http://…" once its server listens
		// (dynalite's cli.js).
		proc, err := Start(ctx, Spec{Name: "dynalite", Bin: bin, Args: args, Dir: o.Root, Ready: "istening at", Out: o.Out, Group: true})
		if err != nil {
			return nil, err
		}
		d := &Dynalite{Endpoint: "http://127.0.0.1:" + strconv.Itoa(p), Proc: proc}
		wctx, cancel := context.WithTimeout(ctx, serviceTimeout)
		defer cancel()
		// Any HTTP answer (a GET is refused with an error body) means it serves.
		if err := WaitHTTP(wctx, d.Endpoint, proc, nil); err != nil {
			proc.Stop()
			return nil, fmt.Errorf("dynalite: %w", err)
		}
		return d, nil
	})
}

// MailpitOptions configures StartMailpit.
type MailpitOptions struct {
	Dir      string    // the folder of its database; empty: Mailpit's own temporary file
	SMTPPort int       // 0 picks a free one
	UIPort   int       // the web UI and API; 0 picks a free one
	Args     []string  // more flags (TLS, authentication, …)
	Bin      string    // mailpit's program; empty: looked up (LookBinary)
	Out      io.Writer // also gets its output, if not nil (a dev tool's console)
}

// Mailpit is a running Mailpit (https://mailpit.axllent.org): an SMTP
// server that keeps every mail and shows it through an HTTP API.
type Mailpit struct {
	SMTPHost string // always 127.0.0.1
	SMTPPort int
	APIURL   string // base URL of the web UI and API, such as http://127.0.0.1:PORT
	*Proc
}

// StartMailpit runs Mailpit and waits until both its API (/readyz) and its
// SMTP port answer. It fails with ErrMissing when mailpit is not installed.
func StartMailpit(ctx context.Context, o MailpitOptions) (*Mailpit, error) {
	bin, ok := o.Bin, o.Bin != ""
	if !ok {
		bin, ok = LookBinary("mailpit")
	}
	if !ok {
		return nil, fmt.Errorf("mailpit %w on PATH, in $GOPATH/bin or in ~/go/bin: install it with %s", ErrMissing, MailpitInstall)
	}
	return retry(o.SMTPPort == 0 || o.UIPort == 0, func() (*Mailpit, error) {
		smtp, err := port(o.SMTPPort)
		if err != nil {
			return nil, err
		}
		ui, err := port(o.UIPort)
		if err != nil {
			return nil, err
		}
		m := &Mailpit{SMTPHost: "127.0.0.1", SMTPPort: smtp, APIURL: "http://127.0.0.1:" + strconv.Itoa(ui)}
		smtpAddr := net.JoinHostPort(m.SMTPHost, strconv.Itoa(smtp))
		args := []string{
			"--smtp", smtpAddr,
			"--listen", net.JoinHostPort("127.0.0.1", strconv.Itoa(ui)),
			"--disable-version-check",
			"--smtp-disable-rdns",          // no DNS look-ups of the client
			"--block-remote-css-and-fonts", // the web UI fetches nothing
		}
		if o.Dir != "" {
			args = append(args, "--database", filepath.Join(o.Dir, fmt.Sprintf("mailpit-%d.db", smtp)))
		}
		args = append(args, o.Args...)
		if m.Proc, err = Start(ctx, Spec{Name: "mailpit", Bin: bin, Args: args, Out: o.Out, Group: true}); err != nil {
			return nil, err
		}
		wctx, cancel := context.WithTimeout(ctx, serviceTimeout)
		defer cancel()
		if err := WaitHTTP(wctx, m.APIURL+"/readyz", m.Proc, Is200); err != nil {
			m.Stop()
			return nil, fmt.Errorf("mailpit: %w", err)
		}
		if err := WaitTCP(wctx, smtpAddr, m.Proc); err != nil {
			m.Stop()
			return nil, fmt.Errorf("mailpit smtp: %w", err)
		}
		return m, nil
	})
}

// Toxiproxy is a running Toxiproxy server (github.com/Shopify/toxiproxy).
type Toxiproxy struct {
	APIURL string // such as http://127.0.0.1:PORT
	*Proc
}

// StartToxiproxy runs toxiproxy-server with its API on a free port and
// waits until GET /version answers. It fails with ErrMissing when the
// server is not installed.
func StartToxiproxy(ctx context.Context) (*Toxiproxy, error) {
	bin, ok := LookBinary(ToxiproxyBinary)
	if !ok {
		return nil, fmt.Errorf("%s %w on PATH, in $GOPATH/bin or in ~/go/bin; install it with: %s", ToxiproxyBinary, ErrMissing, ToxiproxyInstall)
	}
	return retry(true, func() (*Toxiproxy, error) {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		t := &Toxiproxy{APIURL: "http://127.0.0.1:" + strconv.Itoa(p)}
		if t.Proc, err = Start(ctx, Spec{Name: "toxiproxy", Bin: bin, Args: []string{"-host", "127.0.0.1", "-port", strconv.Itoa(p)}}); err != nil {
			return nil, err
		}
		wctx, cancel := context.WithTimeout(ctx, serviceTimeout)
		defer cancel()
		if err := WaitHTTP(wctx, t.APIURL+"/version", t.Proc, Is200); err != nil {
			t.Stop()
			return nil, fmt.Errorf("toxiproxy: %w", err)
		}
		return t, nil
	})
}

// ServerOptions configures StartServer.
type ServerOptions struct {
	Name string   // for messages; the binary's base name when empty
	Bin  string   // the local server or a function binary
	Dir  string   // its working folder
	Port int      // 0 picks a free one
	Env  []string // HOST=127.0.0.1 and PORT are added
	// Health is the path that answers 200 once it serves (the local
	// server's /healthz); empty waits for the port to accept connections.
	Health string
	Out    io.Writer // also gets its output, if not nil
	Stderr *os.File  // if not nil, takes its standard error (Spec.Stderr)
}

// Server is a running HTTP server of ours.
type Server struct {
	URL string // http://127.0.0.1:PORT
	*Proc
}

// StartServer runs o.Bin on 127.0.0.1 and waits up to 30 s until it serves.
func StartServer(ctx context.Context, o ServerOptions) (*Server, error) {
	if o.Name == "" {
		o.Name = filepath.Base(o.Bin)
	}
	return retry(o.Port == 0, func() (*Server, error) {
		p, err := port(o.Port)
		if err != nil {
			return nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(p)
		// HOST and PORT come last, so that they win over o.Env's.
		env := append(slices.Clip(o.Env), "HOST=127.0.0.1", "PORT="+strconv.Itoa(p))
		s := &Server{URL: "http://" + addr}
		if s.Proc, err = Start(ctx, Spec{Name: o.Name, Bin: o.Bin, Dir: o.Dir, Env: env, Out: o.Out, Stderr: o.Stderr}); err != nil {
			return nil, err
		}
		wctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		if o.Health != "" {
			err = WaitHTTP(wctx, s.URL+o.Health, s.Proc, Is200)
		} else {
			err = WaitTCP(wctx, addr, s.Proc)
		}
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("%s on %s: %w\n%s", o.Name, s.URL, err, s.Tail(20))
		}
		return s, nil
	})
}

// BuildLocal builds the local server (./cmd/local of the module at root)
// into out.
func BuildLocal(ctx context.Context, root, out string) error {
	b, err := exec.CommandContext(ctx, "go", "build", "-C", root, "-o", out, "./cmd/local").CombinedOutput()
	if err != nil {
		return fmt.Errorf("build ./cmd/local: %v\n%s", err, b)
	}
	return nil
}

// ServicesOptions configures StartServices. Zero ports are picked free.
type ServicesOptions struct {
	Root         string // the repository
	Dir          string // data: Mailpit's database, and dynalite's tables when Persist
	Persist      bool   // keep dynalite's tables in Dir/dynalite across runs
	DynalitePort int
	SMTPPort     int
	MailpitPort  int
}

// Services are dynalite and Mailpit, as make run-services and cmd/soak's
// "services" target run the local server on them.
type Services struct {
	Dynalite *Dynalite
	Mailpit  *Mailpit
	// Env is the local server's settings for them: the DynamoDB engine on
	// dynalite, mail through Mailpit.
	Env []string
}

// StartServices starts dynalite and Mailpit. The tables are not created:
// that is tables.Create with Env (cmd/devstack and cmd/soak do it).
func StartServices(ctx context.Context, o ServicesOptions) (*Services, error) {
	do := DynaliteOptions{Root: o.Root, Port: o.DynalitePort}
	if o.Persist {
		do.Path = filepath.Join(o.Dir, "dynalite")
	}
	d, err := StartDynalite(ctx, do)
	if err != nil {
		return nil, err
	}
	m, err := StartMailpit(ctx, MailpitOptions{Dir: o.Dir, SMTPPort: o.SMTPPort, UIPort: o.MailpitPort, Args: []string{
		"--max", "100000", // a soak sends more than the default 500 mails
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", // SMTP_USER may be set or not
	}})
	if err != nil {
		d.Stop()
		return nil, err
	}
	return &Services{Dynalite: d, Mailpit: m, Env: []string{
		"STORE=dynamodb", "AWS_REGION=local", "DYNAMODB_ENDPOINT=" + d.Endpoint,
		"SMTP_HOST=127.0.0.1", "SMTP_PORT=" + strconv.Itoa(m.SMTPPort), "SMTP_SECURITY=none", "MAILBOX_URL=" + m.APIURL,
	}}, nil
}

// Stop stops Mailpit and dynalite.
func (s *Services) Stop() {
	s.Mailpit.Stop()
	s.Dynalite.Stop()
}

// Lookup returns the value of name in env (NAME=value entries), or "".
func Lookup(env []string, name string) string {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

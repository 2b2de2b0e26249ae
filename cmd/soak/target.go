package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/todofn/todofn/internal/mailpittest"
	"github.com/todofn/todofn/internal/repo"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
)

// Targets -start knows.
const (
	targetLocal    = "local"    // the local server on the embedded store, mail in its dev sink
	targetServices = "services" // the local server on DynamoDB (dynalite), mail through Mailpit, as make run-services
)

// errMissing marks a target whose services are not installed.
var errMissing = errors.New("not installed")

// server is a started target: the local server and what it runs on, each
// on a free 127.0.0.1 port with its data in a temporary folder.
type server struct {
	Name    string // what runs, for the report's heading
	Base    string // the API
	Mailbox string // the mailbox URL for NewMailbox
	dir     string
	procs   []*proc // stopped in reverse order
}

// Stop stops every process and removes the data.
func (s *server) Stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].stop()
	}
	os.RemoveAll(s.dir)
}

// Logs returns the tail of the local server's output, for a failed run.
func (s *server) Logs() string {
	for _, p := range s.procs {
		if p.name == "server" {
			return p.out.tail(40)
		}
	}
	return ""
}

// starter builds the local server once and starts targets with it.
type starter struct {
	root   string // the module's root
	binary string // the local server; built into dir when empty
	once   sync.Once
	err    error
	dir    string
}

// moduleRoot is the repository's folder.
func moduleRoot() (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, "run the soak inside the repository")
	}
	return root, nil
}

// build builds ./cmd/local unless a binary was given.
func (st *starter) build() error {
	st.once.Do(func() {
		if st.binary != "" {
			return
		}
		if st.dir, st.err = os.MkdirTemp("", "todofn-soak-bin-"); st.err != nil {
			return
		}
		st.binary = filepath.Join(st.dir, "todofn-local")
		out, err := exec.Command("go", "build", "-C", st.root, "-o", st.binary, "./cmd/local").CombinedOutput()
		if err != nil {
			st.err = fmt.Errorf("build ./cmd/local: %v\n%s", err, out)
		}
	})
	return st.err
}

// close removes the built binary.
func (st *starter) close() {
	if st.dir != "" {
		os.RemoveAll(st.dir)
	}
}

// start starts the target named kind. The server runs with
// RATE_LIMITS=off (every client comes from 127.0.0.1) and a per-user write
// budget far above what a client sends.
func (st *starter) start(ctx context.Context, kind string) (*server, error) {
	if kind != targetLocal && kind != targetServices {
		return nil, fmt.Errorf("unknown target %q: want %s or %s", kind, targetLocal, targetServices)
	}
	if err := st.build(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "todofn-soak-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	origin := "http://127.0.0.1:" + strconv.Itoa(port)
	env := []string{
		"HOST=127.0.0.1", "PORT=" + strconv.Itoa(port), "APP_URL=" + origin + "/",
		"DATA_DIR=" + filepath.Join(dir, "data"), "WEB_DIR=" + filepath.Join(st.root, "web"),
		"LOG_LEVEL=warn", "RATE_LIMITS=off", "USER_WRITE_LIMIT=1000/1s",
	}
	s.Name, s.Base, s.Mailbox = "local (embedded store, dev mail sink) "+origin, origin, origin+"/_dev/mail.json"
	if kind == targetServices {
		extra, err := s.services(ctx)
		if err != nil {
			return nil, err
		}
		env = append(env, extra...)
		s.Name = "services (DynamoDB on dynalite, mail through Mailpit) " + origin
		cfg := app.ConfigFrom(func(k string) string { return lookup(env, k) })
		tctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = tables.Create(tctx, cfg)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	p, err := startProc("server", st.binary, st.root, env, "listening on")
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	if err := waitHTTP(ctx, origin+"/healthz", 30*time.Second); err != nil {
		return nil, fmt.Errorf("local server: %w\n%s", err, p.out.tail(20))
	}
	ok = true
	return s, nil
}

// services starts dynalite and Mailpit and returns the server's settings
// for them.
func (s *server) services(ctx context.Context) ([]string, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	dynalite := filepath.Join(root, "node_modules", ".bin", "dynalite")
	if _, err := os.Stat(dynalite); err != nil {
		return nil, fmt.Errorf("dynalite %w at %s: run make tools (or npm install)", errMissing, dynalite)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("node %w: dynalite needs Node.js", errMissing)
	}
	mailpit, ok := mailpittest.Binary()
	if !ok {
		return nil, fmt.Errorf("mailpit %w: run make tools (or %s)", errMissing, mailpittest.InstallHint)
	}
	dbPort, err := freePort()
	if err != nil {
		return nil, err
	}
	p, err := startProc("dynalite", dynalite, root, nil, "listening at",
		"--host", "127.0.0.1", "--port", strconv.Itoa(dbPort))
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	uiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	ui := "http://127.0.0.1:" + strconv.Itoa(uiPort)
	p, err = startProc("mailpit", mailpit, root, nil, "",
		"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(uiPort),
		"--database", filepath.Join(s.dir, "mailpit.db"), "--max", "100000",
		"--disable-version-check", "--smtp-disable-rdns", "--block-remote-css-and-fonts")
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	if err := waitHTTP(ctx, ui+"/readyz", 20*time.Second); err != nil {
		return nil, fmt.Errorf("mailpit: %w\n%s", err, p.out.tail(20))
	}
	s.Mailbox = ui
	return []string{
		"STORE=dynamodb", "AWS_REGION=local", "DYNAMODB_ENDPOINT=http://127.0.0.1:" + strconv.Itoa(dbPort),
		"SMTP_HOST=127.0.0.1", "SMTP_PORT=" + strconv.Itoa(smtpPort), "SMTP_SECURITY=none", "MAILBOX_URL=" + ui,
	}, nil
}

func lookup(env []string, name string) string {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

// proc is a started process with its output kept.
type proc struct {
	name   string
	cmd    *exec.Cmd
	out    *logBuffer
	exited chan struct{}
}

// startProc runs bin with args in dir, with env added to PATH and HOME
// only, and waits until its output has a line containing ready (when not
// empty).
func startProc(name, bin, dir string, env []string, ready string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	out := &logBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, exited: make(chan struct{})}
	seen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		signalled := ready == ""
		if signalled {
			close(seen)
		}
		for sc.Scan() {
			out.line(sc.Text())
			if !signalled && strings.Contains(sc.Text(), ready) {
				close(seen)
				signalled = true
			}
		}
		io.Copy(io.Discard, pr) // a line too long for the scanner
	}()
	go func() {
		cmd.Wait()
		pw.Close()
		close(p.exited)
	}()
	select {
	case <-seen:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited at start:\n%s", name, out.tail(20))
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s not ready within 30s:\n%s", name, out.tail(20))
	}
}

// stop interrupts the process and kills it after 10 s.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// logBuffer keeps a process's last lines.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

const keepLines = 400

func (b *logBuffer) line(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, s)
	if len(b.lines) > 2*keepLines {
		b.lines = append([]string(nil), b.lines[len(b.lines)-keepLines:]...)
	}
}

func (b *logBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines[max(0, len(b.lines)-n):], "\n")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP polls u until it answers 200.
func waitHTTP(ctx context.Context, u string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s: %v", within, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

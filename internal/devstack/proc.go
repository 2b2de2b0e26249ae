// Package devstack starts the development stack: dynalite, Mailpit,
// toxiproxy and the local server, each a child process on a 127.0.0.1 port.
// Tests (through the thin adapters in internal/dynalitetest, mailpittest and
// toxiproxytest), cmd/soak, cmd/replay and cmd/devstack (make run-services)
// all start them here. Every starter takes a context and returns an error,
// never a testing.TB: a test adapter turns a missing binary (ErrMissing)
// into a skip and any other error into a failure.
package devstack

import (
	"bufio"
	"cmp"
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
)

// ErrMissing marks a service whose program is not installed.
var ErrMissing = errors.New("not installed")

// portAttempts is how often a starter tries again on fresh free ports: a
// port found free may be taken by someone else before the child binds it.
const portAttempts = 3

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devstack: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr returns 127.0.0.1:PORT with a port that was free a moment ago.
func FreeAddr() (string, error) {
	p, err := FreePort()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}

// LookBinary returns the path of the program name: the one on PATH, else
// in $GOPATH/bin (the first GOPATH entry), else in $HOME/go/bin, which is
// where go install puts it. It reports false if there is none.
func LookBinary(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	var dirs []string
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(gp)[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// Spec describes a child process.
type Spec struct {
	Name string   // for messages
	Bin  string   // the program
	Args []string // its arguments
	Dir  string   // its working folder; empty is the caller's
	// Env is added to a clean environment of PATH and HOME only, so the
	// caller's settings do not leak into the child.
	Env []string
	// Ready, if not empty, is a piece of an output line: Start returns once
	// the child has printed it.
	Ready string
	// Out, if not nil, also gets every output line (a dev tool shows the
	// server's log).
	Out io.Writer
	// Stderr, if not nil, takes the child's standard error straight, as a
	// deployment's log file would: its lines are neither kept nor copied
	// to Out. A load test sends a server's log there, so that reading the
	// log costs the test's own process nothing.
	Stderr *os.File
	// Group runs the child in a process group of its own, and Stop stops
	// the whole group with SIGTERM, then SIGKILL (where there are process
	// groups): a runtime emulator's bootstrap stops with it.
	Group bool
	// Grace is how long Stop waits before it kills; 0 is 10 s.
	Grace time.Duration
}

// Proc is a started child process. Its output (stdout and stderr) is kept,
// the last lines of it at most.
type Proc struct {
	name   string
	group  bool
	grace  time.Duration
	err    error // Wait's, once exited is closed
	cmd    *exec.Cmd
	out    *lines
	exited chan struct{}
	once   sync.Once
}

// readyTimeout bounds how long Start waits for a Ready line.
const readyTimeout = 30 * time.Second

// Start runs spec and, when spec.Ready is set, waits until the child has
// printed it. It fails if the child exits first, ctx ends, or 30 s pass;
// the child is then stopped.
func Start(ctx context.Context, spec Spec) (*Proc, error) {
	cmd := exec.Command(spec.Bin, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, spec.Env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if spec.Stderr != nil {
		cmd.Stderr = spec.Stderr
	}
	// A grandchild that outlives the child keeps its output open; os/exec's
	// WaitDelay ("the time to wait for I/O pipes to close after the process
	// exits") bounds how long Wait, and so Exited, waits for it.
	cmd.WaitDelay = time.Second
	if spec.Group {
		ownGroup(cmd)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p := &Proc{name: spec.Name, group: spec.Group, grace: cmp.Or(spec.Grace, stopGrace), cmd: cmd, out: &lines{}, exited: make(chan struct{})}
	seen, read := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		signalled := spec.Ready == ""
		if signalled {
			close(seen)
		}
		for sc.Scan() {
			p.out.add(sc.Text())
			if spec.Out != nil {
				fmt.Fprintln(spec.Out, sc.Text())
			}
			if !signalled && strings.Contains(sc.Text(), spec.Ready) {
				close(seen)
				signalled = true
			}
		}
		_, _ = io.Copy(io.Discard, pr) // a line too long for the scanner
	}()
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		<-read // all output is kept (and written to Out) before Exited
		close(p.exited)
	}()
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	select {
	case <-seen:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited at start:\n%s", spec.Name, p.Tail(20))
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("%s not ready (%v):\n%s", spec.Name, context.Cause(ctx), p.Tail(20))
	}
}

// stopGrace is how long Stop waits after the interrupt before it kills,
// unless Spec.Grace says otherwise.
const stopGrace = 10 * time.Second

// Stop interrupts the process (SIGTERM to its group with Spec.Group),
// kills it after the grace period, and waits until it has exited. It may
// be called more than once, also after the process exited on its own.
func (p *Proc) Stop() {
	p.once.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		terminate(p.cmd, p.group)
		select {
		case <-p.exited:
		case <-time.After(p.grace):
			kill(p.cmd, p.group)
			<-p.exited
		}
	})
}

// Err is how the process ended (exec.Cmd.Wait's error); call it after
// Exited is closed.
func (p *Proc) Err() error { return p.err }

// Exited is closed when the process has exited and all its output has
// been kept and written to Spec.Out.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Output returns the kept output.
func (p *Proc) Output() string { return p.out.tail(keepLines) }

// Tail returns the last n lines of output.
func (p *Proc) Tail(n int) string { return p.out.tail(n) }

// lines keeps a process's last lines.
type lines struct {
	mu sync.Mutex
	l  []string
}

const keepLines = 400

func (b *lines) add(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.l = append(b.l, s)
	if len(b.l) > 2*keepLines {
		b.l = append([]string(nil), b.l[len(b.l)-keepLines:]...)
	}
}

func (b *lines) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.l[max(0, len(b.l)-n):], "\n")
}

// pollEvery is how often the waits below try again.
const pollEvery = 50 * time.Millisecond

// WaitHTTP polls GET u until ok accepts the answer's status (nil accepts
// any answer), p exits (when not nil), or ctx ends.
func WaitHTTP(ctx context.Context, u string, p *Proc, ok func(status int) bool) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if ok == nil || ok(resp.StatusCode) {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		if werr := pause(ctx, p); werr != nil {
			return fmt.Errorf("%v (last: %v)", werr, err)
		}
	}
}

// WaitTCP waits until addr accepts a connection, p exits (when not nil),
// or ctx ends.
func WaitTCP(ctx context.Context, addr string, p *Proc) error {
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if werr := pause(ctx, p); werr != nil {
			return fmt.Errorf("%v (nothing listens on %s)", werr, addr)
		}
	}
}

// Is200 accepts 200 OK, for WaitHTTP.
func Is200(status int) bool { return status == http.StatusOK }

func pause(ctx context.Context, p *Proc) error {
	var exited <-chan struct{}
	if p != nil {
		exited = p.exited
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("not ready: %w", context.Cause(ctx))
	case <-exited:
		return fmt.Errorf("%s exited:\n%s", p.name, p.Tail(20))
	case <-time.After(pollEvery):
		return nil
	}
}

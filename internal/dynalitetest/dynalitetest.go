// Package dynalitetest runs dynalite, an in-memory DynamoDB-API server from
// npm (installed by `npm install` at the repository root), for tests and dev
// tools. One process serves the whole test binary: it starts on first use on
// a free 127.0.0.1 port; call Stop from TestMain.
package dynalitetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/repo"
	"github.com/todofn/todofn/pkg/dynamodb"
)

var server dynalite

type dynalite struct {
	once     sync.Once
	endpoint string
	missing  string // why dynalite cannot run, if it cannot
	err      error  // why it failed to start
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Endpoint returns dynalite's URL, starting it on first use. It skips the
// test when dynalite is not installed, or fails it when
// TODOFN_REQUIRE_SERVICES=1.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	server.once.Do(server.start)
	if server.missing != "" {
		if os.Getenv("TODOFN_REQUIRE_SERVICES") == "1" {
			tb.Fatalf("dynalite is required (TODOFN_REQUIRE_SERVICES=1): %s", server.missing)
		}
		tb.Skipf("dynalite not available: %s", server.missing)
	}
	if server.err != nil {
		tb.Fatalf("start dynalite: %v", server.err)
	}
	return server.endpoint
}

func (d *dynalite) start() {
	root, err := repo.Root()
	if err != nil {
		d.err = fmt.Errorf("%w: the test's folder is outside the repository", err)
		return
	}
	bin := filepath.Join(root, "node_modules", ".bin", "dynalite")
	if _, err := os.Stat(bin); err != nil {
		d.missing = fmt.Sprintf("%s not found; run `npm install` at the repository root", bin)
		return
	}
	if _, err := exec.LookPath("node"); err != nil {
		d.missing = "node is not on PATH; dynalite needs Node.js"
		return
	}
	// A free port may be taken between choosing and binding it; try again.
	for range 5 {
		if d.err = d.try(bin); d.err == nil {
			d.err = waitReady(d.endpoint)
			return
		}
	}
}

// try starts dynalite on a free port and waits for its "listening" line.
func (d *dynalite) try(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--createTableMs", "50", "--deleteTableMs", "50", "--updateTableMs", "50")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan struct{})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "listening at") {
				close(ready)
				signalled = true
			}
		}
		cmd.Wait()
		close(exited)
	}()
	select {
	case <-ready:
		d.cmd, d.exited = cmd, exited
		d.endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
		return nil
	case <-exited:
		return fmt.Errorf("dynalite exited early: %s", strings.TrimSpace(stderr.String()))
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		return errors.New("dynalite did not report listening within 30s")
	}
}

// Stop stops the dynalite process, if one was started.
func Stop() { server.stop() }

func (d *dynalite) stop() {
	if d.cmd == nil {
		return
	}
	d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.exited:
	case <-time.After(5 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
	}
}

// waitReady makes calls until dynalite answers one, for at most 30s.
func waitReady(endpoint string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := dynamodb.Config{Region: "us-east-1", Endpoint: endpoint, UsersTable: "probe_users", TodosTable: "probe_todos", KeysTable: "probe_keys"}
	s, err := dynamodb.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	for {
		_, err := s.Throttle(ctx, "probe")
		// The probe tables do not exist: a ResourceNotFoundException means
		// the server answered.
		if err != nil && strings.Contains(err.Error(), "ResourceNotFoundException") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dynalite at %s does not answer: %v", endpoint, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

package devstack_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/proctest"
	"github.com/todofn/todofn/internal/repo"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestInstallPins: the Mailpit version is pinned once in Go, and
// scripts/install-tools.sh installs that one.
func TestInstallPins(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), "scripts", "install-tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), devstack.MailpitInstall) {
		t.Errorf("scripts/install-tools.sh does not run %q", devstack.MailpitInstall)
	}
	if !strings.Contains(string(b), "toxiproxy/v2/cmd/server@v2.5.0") {
		t.Errorf("scripts/install-tools.sh does not install the toxiproxy of ToxiproxyInstall")
	}
}

func TestFreePortIsBindable(t *testing.T) {
	p, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("port %d is not free: %v", p, err)
	}
	l.Close()
}

// TestStartReadyLineAndStop: Start returns once the ready line is printed,
// keeps the output, and Stop ends the child by interrupt.
func TestStartReadyLineAndStop(t *testing.T) {
	ctx := context.Background()
	p, err := devstack.Start(ctx, devstack.Spec{Name: "sh", Bin: "/bin/sh",
		Args: []string{"-c", `echo "warming"; echo "ready now"; trap 'echo bye; exit 0' INT; while :; do sleep 0.05; done`},
		Env:  []string{"X=1"}, Ready: "ready now"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Output(); !strings.Contains(got, "warming\nready now") {
		t.Errorf("output %q, want both lines", got)
	}
	p.Stop()
	select {
	case <-p.Exited():
	default:
		t.Fatal("Stop returned before the child exited")
	}
	p.Stop() // a second Stop is harmless
}

// TestStartStderrToFile: with Spec.Stderr the child's standard error goes
// to the file and only, while its standard output is still kept.
func TestStartStderrToFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := devstack.Start(context.Background(), devstack.Spec{Name: "sh", Bin: "/bin/sh",
		Args: []string{"-c", "echo to-the-log >&2; echo ready"}, Ready: "ready", Stderr: f})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "to-the-log\n" {
		t.Errorf("the file holds %q, want the child's standard error", b)
	}
	if out := p.Output(); out != "ready" {
		t.Errorf("kept output %q, want only the standard output", out)
	}
}

// TestStartChildExitsEarly: a child that exits before its ready line is an
// error carrying its output.
func TestStartChildExitsEarly(t *testing.T) {
	_, err := devstack.Start(context.Background(), devstack.Spec{Name: "sh", Bin: "/bin/sh",
		Args: []string{"-c", "echo broken config; exit 3"}, Ready: "never"})
	if err == nil || !strings.Contains(err.Error(), "broken config") {
		t.Fatalf("err = %v, want the child's output", err)
	}
}

// TestStartContextEnds: Start gives up when ctx ends and stops the child.
func TestStartContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := devstack.Start(ctx, devstack.Spec{Name: "sh", Bin: "/bin/sh",
		Args: []string{"-c", "while :; do sleep 0.05; done"}, Ready: "never"})
	if err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("err = %v, want not ready", err)
	}
}

// TestServices starts dynalite and Mailpit as make run-services does and
// checks that each answers, then that Stop ends both.
func TestServices(t *testing.T) {
	ctx := context.Background()
	s, err := devstack.StartServices(ctx, devstack.ServicesOptions{Root: root(t), Dir: t.TempDir()})
	proctest.Need(t, err)
	defer s.Stop()
	for _, u := range []string{s.Dynalite.Endpoint, s.Mailpit.APIURL + "/readyz"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := devstack.Lookup(s.Env, "DYNAMODB_ENDPOINT"); got != s.Dynalite.Endpoint {
		t.Errorf("DYNAMODB_ENDPOINT = %q, want %q", got, s.Dynalite.Endpoint)
	}
	s.Stop()
	if _, err := http.Get(s.Dynalite.Endpoint); err == nil {
		t.Error("dynalite still answers after Stop")
	}
}

func TestToxiproxy(t *testing.T) {
	tp, err := devstack.StartToxiproxy(context.Background())
	proctest.Need(t, err)
	defer tp.Stop()
	resp, err := http.Get(tp.APIURL + "/version")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /version: %s", resp.Status)
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/repo"
)

// newTestCloud is a cloud whose console writes into out (the console
// serialises its writers, so a plain buffer will do).
func newTestCloud(o options, out *bytes.Buffer) *cloud {
	return &cloud{o: o, con: &console{out: out, width: 8}, died: make(chan *child, 1), stopped: make(chan struct{})}
}

// need skips (or fails, with TODOFN_REQUIRE_SERVICES=1) when err says a
// service is not installed.
func need(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	missing := errors.Is(err, devstack.ErrMissing) || strings.Contains(err.Error(), "not found on PATH")
	if missing && os.Getenv("TODOFN_REQUIRE_SERVICES") != "1" {
		t.Skip(err)
	}
	t.Fatal(err)
}

// TestOwnServices starts the tool's own Mailpit and dynalite through
// internal/devstack on the ports the flags name: they answer there, their
// output reaches the console under their names, and shutdown stops them.
func TestOwnServices(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = devstack.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	c := newTestCloud(options{mailpitSMTPPort: ports[0], mailpitPort: ports[1], dynalitePort: ports[2],
		dynalite: filepath.Join(root, "node_modules", ".bin", "dynalite")}, &out)
	ctx := context.Background()

	smtp, mailbox, err := c.mail(ctx)
	need(t, err)
	endpoint, err := c.dynalite(ctx)
	need(t, err)
	if want := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])); smtp != want {
		t.Errorf("smtp %s, want %s", smtp, want)
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(ports[1]) + "/"; mailbox != want {
		t.Errorf("mailbox %s, want %s", mailbox, want)
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(ports[2]); endpoint != want {
		t.Errorf("dynalite %s, want %s", endpoint, want)
	}
	if r, err := http.Get(mailbox + "readyz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("mailpit readyz: %v %v", r, err)
	}
	if _, err := http.Get(endpoint); err != nil {
		t.Fatalf("dynalite: %v", err)
	}
	c.mu.Lock()
	kids := append([]*child(nil), c.kids...)
	c.mu.Unlock()
	if len(kids) != 2 || kids[0].name != "mailpit" || kids[1].name != "dynalite" {
		t.Fatalf("children %v, want mailpit and dynalite", kids)
	}
	c.shutdown()
	for _, k := range kids {
		select {
		case <-k.done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s still runs after shutdown", k.name)
		}
	}
	if _, err := net.DialTimeout("tcp", smtp, time.Second); err == nil {
		t.Error("mailpit's SMTP port still answers after shutdown")
	}
	if s := out.String(); !strings.Contains(s, "dynalite | ") || !strings.Contains(s, "mailpit  | ") {
		t.Errorf("console lacks the services' lines:\n%s", s)
	}
}

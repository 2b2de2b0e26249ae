// Package toxiproxytest runs a real Toxiproxy (github.com/Shopify/toxiproxy,
// a TCP proxy that injects network faults) for tests. Start runs one with
// its API on a free 127.0.0.1 port and stops it when the test ends; a Proxy
// listens on another 127.0.0.1 port and forwards to an upstream, and
// AddToxic and RemoveToxic stall, slow or cut what goes through it, to
// connections already open as well as to new ones.
//
// The process is internal/devstack's StartToxiproxy. When the server is
// missing, Start skips the test, or fails it if the environment variable
// TODOFN_REQUIRE_SERVICES is "1" (as in CI and make test).
// scripts/install-tools.sh installs it.
package toxiproxytest

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/proctest"
)

// InstallHint installs the Toxiproxy version the tests are written
// against.
const InstallHint = devstack.ToxiproxyInstall

// BinaryName is the name the server is installed under.
const BinaryName = devstack.ToxiproxyBinary

// Toxiproxy is a running Toxiproxy server.
type Toxiproxy struct {
	APIURL string // such as http://127.0.0.1:PORT
	client *http.Client
}

// Proxy is one proxy of a Toxiproxy: it listens on Host:Port and forwards
// each connection to its upstream.
type Proxy struct {
	Name string
	Host string // always 127.0.0.1
	Port int
	tp   *Toxiproxy
}

// Binary returns the path of toxiproxy-server (devstack.LookBinary): the
// one on PATH, else in $GOPATH/bin, else in $HOME/go/bin. It reports false
// if there is none.
func Binary() (string, bool) { return devstack.LookBinary(BinaryName) }

// Start runs a Toxiproxy server for the test, waits until its API answers,
// and stops it in tb.Cleanup. It skips the test if there is no binary
// (fails it when TODOFN_REQUIRE_SERVICES=1) and fails it if the server does
// not start.
func Start(tb testing.TB) *Toxiproxy {
	tb.Helper()
	p, err := devstack.StartToxiproxy(context.Background())
	proctest.Need(tb, err)
	tb.Cleanup(func() {
		p.Stop()
		if tb.Failed() {
			tb.Logf("toxiproxy output:\n%s", p.Output())
		}
	})
	return &Toxiproxy{APIURL: p.APIURL, client: &http.Client{Timeout: 5 * time.Second}}
}

// Proxy creates a proxy named name that listens on a free 127.0.0.1 port
// and forwards to upstream (host:port).
func (tp *Toxiproxy) Proxy(tb testing.TB, name, upstream string) *Proxy {
	tb.Helper()
	port := proctest.FreePort(tb)
	tp.call(tb, http.MethodPost, "/proxies", map[string]any{
		"name": name, "listen": net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), "upstream": upstream, "enabled": true,
	}, http.StatusCreated)
	return &Proxy{Name: name, Host: "127.0.0.1", Port: port, tp: tp}
}

// Toxic is one fault of a proxy; see Toxiproxy's README for the types
// (latency, bandwidth, timeout, slicer, limit_data, reset_peer, ...) and
// their attributes.
type Toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"` // "upstream" (client to server) or "downstream"
	Toxicity   float64        `json:"toxicity"`
	Attributes map[string]any `json:"attributes"`
}

// AddToxic adds t to the proxy. A zero Toxicity means 1: every connection.
func (p *Proxy) AddToxic(tb testing.TB, t Toxic) {
	tb.Helper()
	if t.Toxicity == 0 {
		t.Toxicity = 1
	}
	p.tp.call(tb, http.MethodPost, "/proxies/"+p.Name+"/toxics", t, http.StatusOK)
}

// RemoveToxic removes the proxy's toxic named name.
func (p *Proxy) RemoveToxic(tb testing.TB, name string) {
	tb.Helper()
	p.tp.call(tb, http.MethodDelete, "/proxies/"+p.Name+"/toxics/"+name, nil, http.StatusNoContent)
}

func (tp *Toxiproxy) call(tb testing.TB, method, path string, body any, want int) {
	tb.Helper()
	var r bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&r).Encode(body); err != nil {
			tb.Fatalf("toxiproxytest: %v", err)
		}
	}
	req, err := http.NewRequest(method, tp.APIURL+path, &r)
	if err != nil {
		tb.Fatalf("toxiproxytest: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := tp.client.Do(req)
	if err != nil {
		tb.Fatalf("toxiproxytest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		tb.Fatalf("toxiproxytest: %s %s: %s, want %d: %s", method, path, resp.Status, want, b.String())
	}
}

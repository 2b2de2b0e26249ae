// Package toxiproxytest runs a real Toxiproxy (github.com/Shopify/toxiproxy,
// a TCP proxy that injects network faults) for tests. Start runs one with
// its API on a free 127.0.0.1 port and stops it when the test ends; a Proxy
// listens on another 127.0.0.1 port and forwards to an upstream, and
// AddToxic and RemoveToxic stall, slow or cut what goes through it, to
// connections already open as well as to new ones.
//
// The server binary is looked up by Binary. When it is missing, Start skips
// the test, or fails it if the environment variable TODOFN_REQUIRE_SERVICES
// is "1" (as in CI and make test). scripts/install-tools.sh installs it.
package toxiproxytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/proctest"
)

// InstallHint installs the Toxiproxy version the tests are written
// against; its command is named "server", so it is renamed.
const InstallHint = `d=$(mktemp -d) && GOBIN=$d go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0 && mv $d/server ~/go/bin/toxiproxy-server (or scripts/install-tools.sh)`

// BinaryName is the name the server is installed under.
const BinaryName = "toxiproxy-server"

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

// Binary returns the path of toxiproxy-server: the one on PATH, else in
// $GOPATH/bin (the first GOPATH entry), else in $HOME/go/bin. It reports
// false if there is none.
func Binary() (string, bool) {
	if p, err := exec.LookPath(BinaryName); err == nil {
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
		p := filepath.Join(d, BinaryName)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// Start runs a Toxiproxy server for the test, waits until its API answers,
// and stops it in tb.Cleanup. It skips the test if there is no binary
// (fails it when TODOFN_REQUIRE_SERVICES=1) and fails it if the server does
// not start.
func Start(tb testing.TB) *Toxiproxy {
	tb.Helper()
	bin, ok := Binary()
	if !ok {
		msg := BinaryName + " not found on PATH, in $GOPATH/bin or in ~/go/bin; install it with: " + InstallHint
		if os.Getenv("TODOFN_REQUIRE_SERVICES") == "1" {
			tb.Fatalf("toxiproxytest: %s (TODOFN_REQUIRE_SERVICES=1)", msg)
		}
		tb.Skipf("toxiproxytest: %s", msg)
	}
	var lastErr error
	for range 3 { // a free port may be taken before the server binds it
		tp, err := run(tb, bin, proctest.FreePort(tb))
		if err == nil {
			return tp
		}
		lastErr = err
	}
	tb.Fatalf("toxiproxytest: %v", lastErr)
	return nil
}

func run(tb testing.TB, bin string, port int) (*Toxiproxy, error) {
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", strconv.Itoa(port))
	out := &proctest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	tp := &Toxiproxy{APIURL: "http://127.0.0.1:" + strconv.Itoa(port), client: &http.Client{Timeout: 5 * time.Second}}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("toxiproxy exited before it was ready (%v):\n%s", err, out.String())
		default:
		}
		if resp, err := tp.client.Get(tp.APIURL + "/version"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("toxiproxy not ready after 10s:\n%s", out.String())
		}
	}
	tb.Cleanup(func() {
		stop()
		if tb.Failed() {
			tb.Logf("toxiproxy output:\n%s", out.String())
		}
	})
	return tp, nil
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

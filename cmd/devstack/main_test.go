package main

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/proctest"
)

// TestRunServes runs make run-services' stack on free ports: the local
// server (on the DynamoDB engine against dynalite) answers /healthz and
// Mailpit answers; ending ctx stops it all with status 0.
func TestRunServes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the local server")
	}
	if _, ok := devstack.LookBinary("mailpit"); !ok {
		proctest.Need(t, devstack.ErrMissing)
	}
	var ports []string
	for range 4 {
		ports = append(ports, strconv.Itoa(proctest.FreePort(t)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs proctest.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-port", ports[0], "-dynalite-port", ports[1], "-smtp-port", ports[2],
			"-mailpit-port", ports[3], "-data", t.TempDir()}, &out, &errs)
	}()
	line := regexp.MustCompile(`local server: (http://127\.0\.0\.1:` + ports[0] + `)`)
	deadline := time.After(3 * time.Minute)
	for !line.MatchString(out.String()) {
		select {
		case code := <-done:
			t.Fatalf("run returned %d before serving:\n%s\n%s", code, out.String(), errs.String())
		case <-deadline:
			t.Fatalf("not serving within 3 minutes:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, u := range []string{line.FindStringSubmatch(out.String())[1] + "/healthz", "http://127.0.0.1:" + ports[3] + "/readyz"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", u, resp.Status)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("run returned %d after ctx ended:\n%s", code, errs.String())
	}
	if _, err := http.Get("http://127.0.0.1:" + ports[0] + "/healthz"); err == nil {
		t.Error("the local server still answers after run returned")
	}
}

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestREADMECurl runs the README's curl walk-through, as written, twice in
// a row against one local server, so the first thing a user tries cannot
// rot and trying it again holds no surprise: each run signs up its own
// address (a second sign-up of a verified one would answer 202 but mail no
// code) and adds its todo under its own Idempotency-Key (a fixed key would
// replay the first run's todo, which that run deleted: 404s).
func TestREADMECurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("TODOFN_REQUIRE_SERVICES") == "1" {
			t.Fatal("curl is required")
		}
		t.Skip("curl not installed")
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Try it with curl.*?```sh\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no curl walk-through")
	}
	port := freePort(t)
	data := t.TempDir()
	base := start(t, "local", port, "DATA_DIR="+data, "WEB_DIR="+filepath.Join("..", "web"))
	script := strings.Replace(string(m[1]), "B=http://127.0.0.1:8080", "B="+base, 1)
	if script == string(m[1]) {
		t.Fatal("the walk-through no longer sets B=http://127.0.0.1:8080")
	}
	for run := 1; run <= 2; run++ {
		// The walk-through waits for its mail; a server that never sends
		// it must fail the test, not hang it.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("run %d: walk-through failed: %v\n%s", run, err, out)
		}
		for _, want := range []string{"HTTP/1.1 202", `{"status":"verified"}`, `"refreshToken":"`, `"title":"Buy milk"`, `"done":true`} {
			if !strings.Contains(string(out), want) {
				t.Errorf("run %d: walk-through output lacks %q:\n%s", run, want, out)
			}
		}
		// The todo's DELETE and the logout.
		if n := strings.Count(string(out), "HTTP/1.1 204"); n != 2 {
			t.Errorf("run %d: %d answers 204, want 2 (DELETE /todos/ID, POST /logout):\n%s", run, n, out)
		}
		if strings.Contains(string(out), `"error"`) {
			t.Errorf("run %d: an error answer:\n%s", run, out)
		}
	}
}

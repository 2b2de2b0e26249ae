package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECurl runs the README's curl walk-through, as written, against
// the local server, so the first thing a user tries cannot rot.
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
	out, err := exec.Command("bash", "-euo", "pipefail", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("walk-through failed: %v\n%s", err, out)
	}
	for _, want := range []string{"HTTP/1.1 202", `{"status":"verified"}`, `"title":"Buy milk"`, `"done":true`, "HTTP/1.1 204"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("walk-through output lacks %q:\n%s", want, out)
		}
	}
}

package archtest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployedAWSBuildHasNoPlainServer builds one function as it is
// deployed to AWS (GOOS=linux, the Makefile's AWS_TAGS) and reads its
// symbols: net/http's Server is not linked (pkg/platform's noserve.go:
// the deployed AWS build runs only under the Lambda runtime API), while
// the FC build, whose custom runtime is a plain HTTP server, keeps it.
// go list cannot tell this (net/http is imported for the client either
// way); only the linker's output can.
func TestDeployedAWSBuildHasNoPlainServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	for _, tt := range []struct {
		tags, arch string
		want       bool
	}{
		{"lambda.norpc,no_tablestore,no_bolt", "arm64", false},
		{"no_dynamodb,no_bolt", "amd64", true},
	} {
		bin := filepath.Join(t.TempDir(), "bootstrap")
		build := exec.Command("go", "build", "-tags", tt.tags, "-o", bin, "../../functions/todos-list")
		build.Env = append(build.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+tt.arch)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build -tags %s: %v\n%s", tt.tags, err, out)
		}
		out, err := exec.Command("go", "tool", "nm", bin).Output()
		if err != nil {
			t.Fatalf("go tool nm: %v", err)
		}
		if got := strings.Contains(string(out), " net/http.(*Server).Serve\n"); got != tt.want {
			t.Errorf("tags %s: net/http.(*Server).Serve linked = %v, want %v", tt.tags, got, tt.want)
		}
	}
}

// TestLinkerKeepsMethodDeadCode builds the function that links the most
// (the mailer) for each cloud, as deployed, and reads the linker's
// reachability graph (-dumpdep): no reachable symbol may be marked
// <ReflectMethod>. One such symbol (reflect.Value.Method, MethodByName with
// a name that is not a constant, text/template's Execute) makes the linker
// keep every exported method of every type that reaches an interface
// (cmd/link/internal/ld/deadcode.go); google.golang.org/protobuf before
// v1.36.12 did so under Go 1.26 (golang/protobuf#1704) and cost each FC
// function 1.6-2.4 MiB.
func TestLinkerKeepsMethodDeadCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	for _, tt := range []struct{ tags, arch string }{
		{"lambda.norpc,no_tablestore,no_bolt", "arm64"},
		{"no_dynamodb,no_bolt", "amd64"},
	} {
		bin := filepath.Join(t.TempDir(), "bootstrap")
		build := exec.Command("go", "build", "-tags", tt.tags, "-ldflags", "-dumpdep", "-o", bin, "../../functions/mailer")
		build.Env = append(build.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+tt.arch)
		out, err := build.CombinedOutput()
		if err != nil {
			t.Fatalf("build -tags %s: %v\n%.2000s", tt.tags, err, out)
		}
		for line := range strings.Lines(string(out)) {
			if strings.Contains(line, "<ReflectMethod>") {
				t.Errorf("tags %s: the linker keeps every exported method: %s", tt.tags, strings.TrimSpace(line))
				break
			}
		}
	}
}

// TestNoAddressNoIDNA builds logout, an account function that never
// normalises an address, as deployed to AWS: it links package account,
// yet not the IDNA profile's mapping (pkg/account/idna.go makes the
// profile on first use, not at init), and not NFKC (no password package:
// pkg/app/accountsvc). go list cannot tell this (the packages are
// imported); only the linker's output can.
func TestNoAddressNoIDNA(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc,no_tablestore,no_bolt", "-o", bin, "../../functions/logout")
	build.Env = append(build.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	syms := string(out)
	if !strings.Contains(syms, " github.com/todofn/todofn/pkg/account.") {
		t.Fatal("logout links no pkg/account: the test no longer tests anything")
	}
	// " golang.org/...": the module's copies, not the standard library's
	// vendored ones (vendor/golang.org/x/...), which net/http links. (The
	// packages' init still keeps a few small tables.)
	for _, sym := range []string{" golang.org/x/net/idna.validateAndMap", " golang.org/x/text/unicode/bidi.", " golang.org/x/text/unicode/norm.decomps"} {
		if strings.Contains(syms, sym) {
			t.Errorf("logout links%s…", sym)
		}
	}
}

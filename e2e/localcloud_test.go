package e2e

import (
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/internal/mailpittest"
)

// The local cloud (cmd/localcloud) runs each function binary, built with a
// cloud's build tags, under that cloud's runtime protocol: on "lambda" under
// the real AWS Lambda runtime interface emulator with DynamoDB on dynalite,
// on "fc" under the FC3 runtime API double (pkg/fcruntime) with the
// Tablestore double. These tests run the whole flow through its one front.

var localcloud struct {
	once sync.Once
	err  error
}

// buildLocalcloud builds cmd/localcloud into binDir, once.
func buildLocalcloud(t *testing.T) {
	t.Helper()
	localcloud.once.Do(func() {
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "localcloud"), "../cmd/localcloud").CombinedOutput()
		if err != nil {
			localcloud.err = fmt.Errorf("build cmd/localcloud: %v\n%s", err, out)
		}
	})
	if localcloud.err != nil {
		t.Fatal(localcloud.err)
	}
}

// buildFlavour builds every function with the given build tags, as the
// cloud's artefacts are built, into a folder it returns (<dir>/<fn>).
func buildFlavour(t *testing.T, tags string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-tags", tags, "-trimpath", "-o", dir+string(filepath.Separator), "../functions/...")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build functions -tags %s: %v\n%s", tags, err, out)
	}
	return dir
}

// rieBinary finds aws-lambda-rie, or skips (fails under
// TODOFN_REQUIRE_SERVICES=1).
func rieBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	p := filepath.Join(build.Default.GOPATH, "bin", "aws-lambda-rie")
	if _, err := os.Stat(p); err != nil {
		msg := "aws-lambda-rie not found on PATH or in " + filepath.Dir(p) + "; install it with scripts/install-tools.sh"
		if os.Getenv("TODOFN_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// runLocalCloud starts localcloud in mode on binaries built with tags, with
// mail through a real Mailpit, and runs the whole flow through its front.
// requestID matches the request IDs the mode's runtime hands out.
func runLocalCloud(t *testing.T, mode, tags string, requestID *regexp.Regexp, env ...string) {
	mp := mailpittest.Start(t)
	buildLocalcloud(t)
	bins := buildFlavour(t, tags)
	port := freePort(t)
	origin := "http://127.0.0.1:" + port
	env = append(env, "LOCALCLOUD_MODE="+mode, "LOCALCLOUD_BIN="+bins, "WEB_DIR="+filepath.Join("..", "web"),
		"SMTP_HOST="+mp.SMTPHost, "SMTP_PORT="+itoa(mp.SMTPPort), "SMTP_SECURITY=none", "LOCALCLOUD_MAILBOX="+mp.APIURL,
		"MAIL_FROM=todofn e2e <no-reply@e2e.example>", "ALLOWED_ORIGINS=http://app.e2e.example",
		"USERS_TABLE=lc_users", "TODOS_TABLE=lc_todos", "KEYS_TABLE=lc_keys")
	base := start(t, "localcloud", port, env...)
	if base != origin {
		t.Fatalf("listening on %s, want %s", base, origin)
	}

	// The front's own pages.
	if r := call(t, "GET", base+"/healthz", "", nil); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
	r := call(t, "GET", base+"/config.json", "", nil)
	fns, _ := r.Body["functions"].(map[string]any)
	if r.Status != 200 || fns["todos-add"] != origin || r.Body["mailbox"] != mp.APIURL {
		t.Fatalf("config.json: %s", r.Raw)
	}
	if r := call(t, "GET", base+"/", "", nil); r.Status != 200 || !strings.Contains(r.Raw, "<html") {
		t.Fatalf("web app: %d %.200s", r.Status, r.Raw)
	}
	want(t, call(t, "GET", base+"/nothing", "", nil), 404, "not_found")
	want(t, call(t, "PUT", base+"/todos", "", nil), 405, "method_not_allowed")

	// A function answers through its runtime: the request ID is the one
	// the runtime gave the invocation.
	r = call(t, "POST", base+"/login", "", map[string]string{"email": "nobody@example.com", "password": "wrong horse"})
	want(t, r, 401, "invalid_credentials")
	if id := r.Header.Get("X-Request-Id"); !requestID.MatchString(id) {
		t.Fatalf("X-Request-Id %q is not the %s runtime's", id, mode)
	}

	urls := map[string]string{}
	for _, f := range functions {
		urls[f] = base
	}
	runFlow(t, system{url: urls, mail: mailpitMail(mp)}, origin+"/")
}

// TestLocalCloudLambda runs the flow through the real Lambda runtime
// interface emulator, one per function binary (AWS flavour), on dynalite,
// with the tool playing the users table's stream to the mailer.
func TestLocalCloudLambda(t *testing.T) {
	rie := rieBinary(t)
	endpoint := dynalitetest.Endpoint(t)
	runLocalCloud(t, "lambda", "lambda.norpc,no_tablestore,no_bolt",
		regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
		"LOCALCLOUD_RIE="+rie, "DYNAMODB_ENDPOINT="+endpoint)
}

// TestLocalCloudFC runs the flow through the FC3 runtime API double, one
// per function binary (FC flavour), on the Tablestore double, with the tool
// playing the Tablestore trigger to the mailer.
func TestLocalCloudFC(t *testing.T) {
	runLocalCloud(t, "fc", "no_dynamodb,no_bolt", regexp.MustCompile(`^1-[0-9a-f]{8}-[0-9a-f]{24}$`))
}

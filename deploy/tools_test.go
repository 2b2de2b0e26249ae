package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/route"
)

// TestSchemasRejectMistakes makes sure the schema checks above can fail:
// each broken copy of a real resource must be refused.
func TestSchemasRejectMistakes(t *testing.T) {
	fn := compileSchema(t, "sam.schema.json", samDefinition("AWS::Serverless::Function"))
	tmpl := loadYAML(t, "template.yml")
	bad := jsonInstance(t, dig(tmpl, "Resources", "RegisterFunction")).(map[string]any)
	bad["Properties"].(map[string]any)["Handle"] = "bootstrap" // a typo of Handler
	if err := fn.Validate(bad); err == nil {
		t.Error("the SAM schema accepts a function with an unknown property")
	}
	props := compileSchema(t, "fc3-props.schema.json", "")
	for name, mutate := range map[string]func(p map[string]any){
		"runtime":      func(p map[string]any) { p["runtime"] = "go2" },
		"trigger type": func(p map[string]any) { p["triggers"].([]any)[0].(map[string]any)["triggerType"] = "https" },
		// (A bad HTTP method is not caught: IOtsConfig, one of the trigger
		// configs a trigger may have, is any object.)
		"trigger name":   func(p map[string]any) { delete(p["triggers"].([]any)[0].(map[string]any), "triggerName") },
		"memory size":    func(p map[string]any) { p["memorySize"] = 100 },
		"no code":        func(p map[string]any) { delete(p, "code") },
		"non-string env": func(p map[string]any) { p["environmentVariables"].(map[string]any)["PORT"] = 9000 },
	} {
		p := jsonInstance(t, dig(renderedS(t, fcEnv), "resources", "fn-register", "props")).(map[string]any)
		mutate(p)
		if err := props.Validate(jsonInstance(t, p)); err == nil {
			t.Errorf("the fc3 schema accepts props with a bad %s", name)
		}
	}
}

// TestCfnLint runs cfn-lint (the CloudFormation linter, which also applies
// the SAM transform offline) on template.yml.
func TestCfnLint(t *testing.T) {
	lint := tool("CFN_LINT", "cfn-lint")
	if lint == "" {
		missing(t, "cfn-lint is not installed (pip install cfn-lint)")
	}
	cmd := exec.Command(lint, "--", "template.yml")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("cfn-lint template.yml: %v\n%s", err, out)
	}
}

// TestSPreview renders s.yaml with Serverless Devs itself (`s preview`,
// which works offline) and checks it agrees with this package's renderer,
// then validates s's own rendering against the fc3 schema.
func TestSPreview(t *testing.T) {
	s := tool("TODOFN_S", "s")
	if s == "" {
		missing(t, "the Serverless Devs CLI is not installed (npm i @serverless-devs/s, or set TODOFN_S)")
	}
	home := t.TempDir()
	env := []string{"HOME=" + home}
	for k, v := range fcEnv {
		env = append(env, k+"="+v)
	}
	// An access alias, so ${config('AccountID')} resolves; nothing is sent anywhere.
	run(t, env, s, "config", "add", "--AccessKeyID", "LTAIexample", "--AccessKeySecret", "example", "--AccountID", fcAccountID, "-a", "default")
	out := run(t, env, s, "preview", "-t", "s.yaml", "-o", "json")
	i := bytes.IndexByte(out, '{')
	if i < 0 {
		t.Fatalf("s preview printed no JSON:\n%s", out)
	}
	var got map[string]any
	if err := json.Unmarshal(out[i:], &got); err != nil {
		t.Fatalf("s preview: %v\n%s", err, out)
	}
	want := jsonInstance(t, renderedS(t, fcEnv)).(map[string]any)
	schema := compileSchema(t, "fc3-props.schema.json", "")
	for name := range asMap(want["resources"]) {
		g := jsonInstance(t, dig(got, "resources", name, "props"))
		w := dig(want, "resources", name, "props")
		if !reflect.DeepEqual(normalize(g), normalize(w)) {
			gj, _ := json.MarshalIndent(g, "", " ")
			wj, _ := json.MarshalIndent(w, "", " ")
			t.Errorf("%s: s preview renders\n%s\nthis package renders\n%s", name, gj, wj)
		}
		if err := schema.Validate(g); err != nil {
			t.Errorf("%s: s preview's props: %v", name, err)
		}
	}
}

// normalize makes numbers comparable across the two decodings.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// fakeS is a stand-in for the Serverless Devs CLI's fc3 version and alias
// commands, keeping each function's versions and `live` alias in files.
const fakeS = `#!/usr/bin/env bash
set -euo pipefail
fn=$1; cmd=$2; sub=$3; shift 3
echo "$fn $cmd $sub $*" >> "$FAKE_S_DIR/calls"
d="$FAKE_S_DIR/$fn"; mkdir -p "$d"
echo "[2026-11-27][WARN][s_cli] It is not recommended to run the command as root user."
version= vw= alias=
while [ $# -gt 0 ]; do
  case $1 in
    --version-id) version=$2; shift 2 ;;
    --vw) vw=$2; shift 2 ;;
    --alias-name) alias=$2; shift 2 ;;
    *) shift ;;
  esac
done
case "$cmd $sub" in
"version publish")
  case " ${FAKE_S_NOCHANGE:-} " in *" $fn "*) echo "Error: NoChangesSinceLastVersion" >&2; exit 1 ;; esac
  n=$(( $(cat "$d/versions" 2>/dev/null || echo 0) + 1 )); echo $n > "$d/versions"
  printf '{"%s": {"versionId": "%s", "description": "x"}}\n' "$fn" "$n" ;;
"alias get")
  [ -f "$d/main" ] || { echo "Error: AliasNotFound" >&2; exit 1; }
  printf '{"%s": {"aliasName": "%s", "versionId": "%s", "additionalVersionWeight": %s}}\n' "$fn" "$alias" "$(cat "$d/main")" "$(cat "$d/weights")" ;;
"alias publish")
  echo "$version" > "$d/main"; echo "${vw:-{\}}" > "$d/weights"
  printf '{"%s": {"aliasName": "%s", "versionId": "%s"}}\n' "$fn" "$alias" "$version" ;;
"logs -t")
  printf 'FC Invoke Start RequestId: r1\n{"msg":"request","function":"todofn-test-%s","version":"%s","status":200,"latency":3,"requestId":"r1"}\n' "${fn#fn-}" "$(cat "$d/main")" ;;
*) echo "fake s: $cmd $sub" >&2; exit 2 ;;
esac
`

func TestFCReleaseScript(t *testing.T) {
	if tool("NODE", "node") == "" {
		missing(t, "node is not installed (fcrelease.sh parses JSON with it)")
	}
	dir := t.TempDir()
	s := filepath.Join(dir, "s")
	if err := os.WriteFile(s, []byte(fakeS), 0o755); err != nil {
		t.Fatal(err)
	}
	fns := []string{"fn-register", "fn-mailer"}
	release := func(extra []string, args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{"deploy/fcrelease.sh"}, args...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), append([]string{"S=" + s, "FAKE_S_DIR=" + dir, "FC_FUNCTIONS=" + strings.Join(fns, " "), "STATE=" + filepath.Join(dir, "state")}, extra...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	step := func(args ...string) {
		t.Helper()
		if out, err := release(nil, args...); err != nil {
			t.Fatalf("fcrelease.sh %v: %v\n%s", args, err, out)
		}
	}
	alias := func(fn string) string {
		t.Helper()
		m, _ := os.ReadFile(filepath.Join(dir, fn, "main"))
		w, _ := os.ReadFile(filepath.Join(dir, fn, "weights"))
		return fmt.Sprintf("%s %s", strings.TrimSpace(string(m)), strings.TrimSpace(string(w)))
	}
	expect := func(when string, want map[string]string) {
		t.Helper()
		for fn, w := range want {
			if got := alias(fn); got != w {
				t.Errorf("after %s: %s's live alias = %q, want %q", when, fn, got, w)
			}
		}
	}

	step("init")
	expect("init", map[string]string{"fn-register": "1 {}", "fn-mailer": "1 {}"})
	step("init") // again: nothing changes
	expect("a second init", map[string]string{"fn-register": "1 {}", "fn-mailer": "1 {}"})
	step("canary", "0.1")
	expect("canary", map[string]string{"fn-register": `1 {"2":0.1}`, "fn-mailer": `1 {"2":0.1}`})
	step("promote")
	expect("promote", map[string]string{"fn-register": "2 {}", "fn-mailer": "2 {}"})
	if out, err := release([]string{"FAKE_S_NOCHANGE=fn-mailer"}, "canary", "0.25"); err != nil {
		t.Fatalf("canary with an unchanged function: %v\n%s", err, out)
	} else if !strings.Contains(out, "fn-mailer: no new version") {
		t.Errorf("canary with an unchanged mailer says\n%s", out)
	}
	expect("a second canary", map[string]string{"fn-register": `2 {"3":0.25}`, "fn-mailer": "2 {}"})
	step("rollback")
	expect("rollback", map[string]string{"fn-register": "2 {}", "fn-mailer": "2 {}"})
	for _, bad := range []string{"1.5", "0", "x", ""} {
		if out, err := release(nil, "canary", bad); err == nil {
			t.Errorf("canary %q succeeded:\n%s", bad, out)
		}
	}
	if out, err := release(nil, "status"); err != nil || !strings.Contains(out, "fn-register: live -> 2") {
		t.Errorf("status: %v\n%s", err, out)
	}
	out, err := release(nil, "logs", "2026-12-01T10:00:00Z")
	if err != nil || !strings.Contains(out, `fn-register | {"msg":"request","function":"todofn-test-register","version":"2"`) ||
		!strings.Contains(out, "fn-mailer | FC Invoke Start") {
		t.Errorf("logs: %v\n%s", err, out)
	}
	if calls, _ := os.ReadFile(filepath.Join(dir, "calls")); !strings.Contains(string(calls), "fn-register logs -t s.yaml --start-time 2026-12-01T10:00:00Z --end-time ") {
		t.Errorf("logs called s as\n%s", calls)
	}
	if out, err := release(nil, "logs"); err == nil {
		t.Errorf("logs without SINCE succeeded:\n%s", out)
	}
}

// TestFCReleaseTakesTheRouteTable runs fcrelease.sh without FC_FUNCTIONS:
// it must release fn-<name> for every function of the route table (through
// `go run ./cmd/routes`), in the table's order.
func TestFCReleaseTakesTheRouteTable(t *testing.T) {
	if tool("NODE", "node") == "" {
		missing(t, "node is not installed (fcrelease.sh parses JSON with it)")
	}
	dir := t.TempDir()
	s := filepath.Join(dir, "s")
	if err := os.WriteFile(s, []byte(fakeS), 0o755); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FC_FUNCTIONS=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command("bash", "deploy/fcrelease.sh", "init")
	cmd.Dir = root
	cmd.Env = append(env, "S="+s, "FAKE_S_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fcrelease.sh init: %v\n%s", err, out)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if fn, _, ok := strings.Cut(line, ": live -> "); ok {
			got = append(got, fn)
		}
	}
	if want := resourcesOf(route.All()); !reflect.DeepEqual(got, want) {
		t.Errorf("fcrelease.sh init released %v, want the route table's %v\n%s", got, want, out)
	}
}

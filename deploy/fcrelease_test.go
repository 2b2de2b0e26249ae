package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// statefulS is a stand-in for the Serverless Devs CLI's fc3 commands that
// keeps each function's versions and alias in files and can fail as the
// real one does:
//
//	FAKE_S_GET_FAILS="fn-x"      alias get of fn-x fails with a transient error (FC throttling)
//	FAKE_S_PUBLISH_FAILS="fn-x"  alias publish of fn-x fails (a promote that breaks half-way)
//	FAKE_S_STICKY_WEIGHTS=1      alias publish --vw '{}' leaves the weights as they were
//
// Errors are printed as s prints an FC SDK error: the code first
// ("AliasNotFound: code: 404, ..."), as devsapp/fc3's error-code.ts expects.
const statefulS = `#!/usr/bin/env bash
set -euo pipefail
fn=$1; cmd=$2; sub=$3; shift 3
echo "$fn $cmd $sub $*" >> "$FAKE_S_DIR/calls"
d="$FAKE_S_DIR/$fn"; mkdir -p "$d"
echo "[2026-12-06][WARN][s_cli] It is not recommended to run the command as root user."
version= vw=none
while [ $# -gt 0 ]; do
  case $1 in
    --version-id) version=$2; shift 2 ;;
    --vw) vw=$2; shift 2 ;;
    *) shift ;;
  esac
done
listed() { case " ${1:-} " in *" $fn "*) return 0 ;; esac; return 1; }
case "$cmd $sub" in
"version publish")
  n=$(( $(cat "$d/last" 2>/dev/null || echo 0) + 1 )); echo $n > "$d/last"; echo $n >> "$d/versions"
  printf '{"%s": {"versionId": "%s", "description": "x"}}\n' "$fn" "$n" ;;
"version list")
  printf '{"%s": [' "$fn"; sort -rn "$d/versions" | awk '{ printf "%s{\"versionId\": \"%s\"}", (NR>1?",":""), $1 }'; printf ']}\n' ;;
"version remove")
  grep -qx "$version" "$d/versions" || { echo "Error: VersionNotFound: code: 404, version $version not found" >&2; exit 1; }
  grep -vx "$version" "$d/versions" > "$d/v.tmp" || true; mv "$d/v.tmp" "$d/versions" ;;
"alias get")
  if listed "${FAKE_S_GET_FAILS:-}"; then echo "Error: ServiceUnavailable: code: 503, the service is busy request id: 1-x" >&2; exit 1; fi
  [ -f "$d/main" ] || { echo "Error: AliasNotFound: code: 404, alias 'live' of function '$fn' is not found request id: 1-y" >&2; exit 1; }
  printf '{"%s": {"aliasName": "live", "versionId": "%s", "additionalVersionWeight": %s}}\n' "$fn" "$(cat "$d/main")" "$(cat "$d/weights")" ;;
"alias publish")
  if listed "${FAKE_S_PUBLISH_FAILS:-}"; then echo "Error: ServiceUnavailable: code: 503, the service is busy" >&2; exit 1; fi
  echo "$version" > "$d/main"
  if [ "$vw" = none ]; then echo '{}' > "$d/weights"
  elif [ "$vw" != '{}' ] || [ -z "${FAKE_S_STICKY_WEIGHTS:-}" ]; then echo "$vw" > "$d/weights"; fi
  printf '{"%s": {"aliasName": "live", "versionId": "%s"}}\n' "$fn" "$version" ;;
"info -t") printf '{"%s": {"functionName": "todofn-test-x", "logConfig": {"project": "serverless-cn-shanghai-2b5f", "logstore": "default-logs", "enableRequestMetrics": true}}}\n' "$fn" ;;
*) echo "fake s: $cmd $sub" >&2; exit 2 ;;
esac
`

type releaseEnv struct {
	t   *testing.T
	dir string
	fns []string
}

func newReleaseEnv(t *testing.T, fns ...string) *releaseEnv {
	t.Helper()
	if tool("NODE", "node") == "" {
		missing(t, "node is not installed (fcrelease.sh parses JSON with it)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s"), []byte(statefulS), 0o755); err != nil {
		t.Fatal(err)
	}
	return &releaseEnv{t, dir, fns}
}

func (e *releaseEnv) run(extra []string, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{"deploy/fcrelease.sh"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), append([]string{"S=" + filepath.Join(e.dir, "s"), "FAKE_S_DIR=" + e.dir,
		"FC_FUNCTIONS=" + strings.Join(e.fns, " "), "STATE=" + e.state()}, extra...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (e *releaseEnv) step(args ...string) string {
	e.t.Helper()
	out, err := e.run(nil, args...)
	if err != nil {
		e.t.Fatalf("fcrelease.sh %v: %v\n%s", args, err, out)
	}
	return out
}

func (e *releaseEnv) state() string { return filepath.Join(e.dir, "state") }

// alias is fn's live alias as "main weights".
func (e *releaseEnv) alias(fn string) string {
	m, _ := os.ReadFile(filepath.Join(e.dir, fn, "main"))
	w, _ := os.ReadFile(filepath.Join(e.dir, fn, "weights"))
	return strings.TrimSpace(string(m)) + " " + strings.TrimSpace(string(w))
}

func (e *releaseEnv) expect(when string, want map[string]string) {
	e.t.Helper()
	for _, fn := range e.fns {
		if got := e.alias(fn); got != want[fn] {
			e.t.Errorf("after %s: %s's live = %q, want %q", when, fn, got, want[fn])
		}
	}
}

func (e *releaseEnv) calls() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "calls"))
	return string(b)
}

// TestFcreleaseInitActsOnlyOnAliasNotFound: an `alias get` that fails for
// any other reason stops init before it publishes or moves anything.
func TestFcreleaseInitActsOnlyOnAliasNotFound(t *testing.T) {
	e := newReleaseEnv(t, "fn-register", "fn-login")
	e.step("init")
	e.expect("init", map[string]string{"fn-register": "1 {}", "fn-login": "1 {}"})
	e.step("canary", "0.1")
	e.expect("canary", map[string]string{"fn-register": `1 {"2":0.1}`, "fn-login": `1 {"2":0.1}`})
	before := e.calls()
	out, err := e.run([]string{"FAKE_S_GET_FAILS=fn-login"}, "init")
	if err == nil || !strings.Contains(out, "fn-login: cannot tell whether live exists; nothing changed") || !strings.Contains(out, "ServiceUnavailable") {
		t.Errorf("init with a failing alias get: %v\n%s", err, out)
	}
	e.expect("init with a transient error", map[string]string{"fn-register": `1 {"2":0.1}`, "fn-login": `1 {"2":0.1}`})
	if after := strings.TrimPrefix(e.calls(), before); strings.Contains(after, "publish") {
		t.Errorf("init published after a transient error:\n%s", after)
	}
	// And the existing aliases, canary and all, are left alone by a working init.
	if out := e.step("init"); strings.Count(out, "live exists") != 2 {
		t.Errorf("second init:\n%s", out)
	}
	e.expect("a second init", map[string]string{"fn-register": `1 {"2":0.1}`, "fn-login": `1 {"2":0.1}`})
}

// TestFcreleaseHalfPromoteThenRollback: a promote that breaks after the
// first function leaves it on the canary version with no canary weight
// left; rollback still returns every function to the version recorded
// before the canary, and reads each alias back.
func TestFcreleaseHalfPromoteThenRollback(t *testing.T) {
	e := newReleaseEnv(t, "fn-a", "fn-b", "fn-c")
	e.step("init")
	e.step("canary", "0.2")
	e.step("promote")
	e.expect("a first release", map[string]string{"fn-a": "2 {}", "fn-b": "2 {}", "fn-c": "2 {}"})
	if _, err := os.Stat(e.state()); !os.IsNotExist(err) {
		t.Errorf("a finished promote left %s (%v)", e.state(), err)
	}
	e.step("canary", "0.2")
	if st, _ := os.ReadFile(e.state()); string(st) != "fn-a 2\nfn-b 2\nfn-c 2\n" {
		t.Errorf("recorded versions = %q", st)
	}
	out, err := e.run([]string{"FAKE_S_PUBLISH_FAILS=fn-b"}, "promote")
	if err == nil {
		t.Fatalf("promote with a failing alias publish succeeded:\n%s", out)
	}
	e.expect("a half promote", map[string]string{"fn-a": "3 {}", "fn-b": `2 {"3":0.2}`, "fn-c": `2 {"3":0.2}`})
	if out, err := e.run(nil, "canary", "0.2"); err == nil || !strings.Contains(out, "not finished") {
		t.Errorf("a canary over an unfinished release: %v\n%s", err, out)
	}
	out = e.step("rollback")
	e.expect("rollback", map[string]string{"fn-a": "2 {}", "fn-b": "2 {}", "fn-c": "2 {}"})
	if !strings.Contains(out, "fn-a: live -> 2 (was 3)") {
		t.Errorf("rollback did not undo the promoted fn-a:\n%s", out)
	}
	if _, err := os.Stat(e.state()); !os.IsNotExist(err) {
		t.Errorf("a finished rollback left %s", e.state())
	}
	if n := strings.Count(e.calls(), "alias get"); n < 3*2 {
		t.Errorf("rollback read the aliases %d times", n)
	}
	e.step("rollback") // again: nothing to do, nothing fails
	e.expect("a second rollback", map[string]string{"fn-a": "2 {}", "fn-b": "2 {}", "fn-c": "2 {}"})
}

// TestFcreleaseReadBack: when `--vw '{}'` leaves the weights in place (FC
// does not document that it clears them), promote and rollback fail and
// the recorded versions stay for another rollback.
func TestFcreleaseReadBack(t *testing.T) {
	e := newReleaseEnv(t, "fn-a")
	e.step("init")
	e.step("canary", "0.1")
	sticky := []string{"FAKE_S_STICKY_WEIGHTS=1"}
	if out, err := e.run(sticky, "rollback"); err == nil || !strings.Contains(out, `reads back as 1 with weight on '2', want 1 alone`) {
		t.Errorf("rollback with sticky weights: %v\n%s", err, out)
	}
	if _, err := os.Stat(e.state()); err != nil {
		t.Errorf("a failed rollback dropped the recorded versions: %v", err)
	}
	if out, err := e.run(sticky, "promote"); err == nil || !strings.Contains(out, "want 2 alone") {
		t.Errorf("promote with sticky weights: %v\n%s", err, out)
	}
	e.step("rollback")
	e.expect("rollback", map[string]string{"fn-a": "1 {}"})
}

// TestFcreleasePrune keeps the newest N versions and every version the
// alias or the recorded release names.
func TestFcreleasePrune(t *testing.T) {
	e := newReleaseEnv(t, "fn-a")
	e.step("init") // version 1, live -> 1
	for range 5 {
		e.step("canary", "0.1")
		e.step("rollback") // live stays on 1; versions 2..6 pile up
	}
	e.step("canary", "0.1") // version 7 as the canary; 1 recorded
	out := e.step("prune", "2")
	b, _ := os.ReadFile(filepath.Join(e.dir, "fn-a", "versions"))
	got := strings.Fields(string(b))
	slices.Sort(got)
	if want := []string{"1", "6", "7"}; !slices.Equal(got, want) {
		t.Errorf("versions after prune 2 = %v, want %v\n%s", got, want, out)
	}
	e.expect("prune", map[string]string{"fn-a": `1 {"7":0.1}`})
	for _, bad := range []string{"0", "x", ""} {
		if out, err := e.run(nil, "prune", bad); err == nil {
			t.Errorf("prune %q succeeded:\n%s", bad, out)
		}
	}
}

// TestFcreleaseLogsPage: one page of Log Service logs for one function,
// through aliyun-log-cli's get_log, with the topic FC writes.
func TestFcreleaseLogsPage(t *testing.T) {
	e := newReleaseEnv(t, "fn-a")
	cli := filepath.Join(e.dir, "aliyunlog")
	if err := os.WriteFile(cli, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > \""+e.dir+"/args\"\necho '[]'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	page := func(extra ...string) (string, error) {
		return e.run(append([]string{"ALIYUNLOG=" + cli, "STAGE=prod"}, extra...),
			"logs-page", "fn-verify", "2026-12-01T10:00:00Z", "1764583300", "200", "100")
	}
	out, err := page()
	args, _ := os.ReadFile(filepath.Join(e.dir, "args"))
	want := strings.Join([]string{"log", "get_log", "--project=serverless-cn-shanghai-2b5f", "--logstore=default-logs",
		"--from_time=1796119200", "--to_time=1764583300", `--query=__topic__: "FCLogs:todofn-prod-verify"`,
		"--offset=200", "--size=100", "--reverse=false"}, "\n") + "\n"
	if err != nil || strings.TrimSpace(out) != "[]" || string(args) != want {
		t.Errorf("logs-page: %v\n%s\nargs:\n%s\nwant:\n%s", err, out, args, want)
	}
	// The logConfig is read once per release: the second page asks s nothing.
	if _, err := page(); err != nil || strings.Count(e.calls(), "fn-verify info") != 1 {
		t.Errorf("s info calls for two pages:\n%s (%v)", e.calls(), err)
	}
	if _, err := page("SLS_PROJECT=p", "SLS_LOGSTORE=l"); err != nil {
		t.Fatal(err)
	}
	if args, _ := os.ReadFile(filepath.Join(e.dir, "args")); !strings.Contains(string(args), "--project=p\n--logstore=l\n") {
		t.Errorf("SLS_PROJECT/SLS_LOGSTORE ignored:\n%s", args)
	}
	if out, err := e.run([]string{"ALIYUNLOG=" + cli}, "logs-page", "fn-verify", "x", "1", "0", "100"); err == nil {
		t.Errorf("logs-page with a bad time succeeded:\n%s", out)
	}
}

// TestFcreleaseVerifyURL: the mailer's VERIFY_URL is the verify trigger's
// URL + /verify, and no URL is an error (fc-deploy then deploys fn-verify
// first, and stops if there is still none).
func TestFcreleaseVerifyURL(t *testing.T) {
	e := newReleaseEnv(t, "fn-verify")
	wc := filepath.Join(e.dir, "webconfig")
	write := func(body string) {
		if err := os.WriteFile(wc, []byte("#!/bin/sh\ncat >/dev/null\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("echo https://todofn-prod-verify-abc.cn-hangzhou.fcapp.run/")
	out, err := e.run([]string{"WEBCONFIG=" + wc}, "verify-url")
	if err != nil || strings.TrimSpace(out) != "https://todofn-prod-verify-abc.cn-hangzhou.fcapp.run/verify" {
		t.Errorf("verify-url: %v\n%s", err, out)
	}
	write("echo 'webconfig: no URL for verify' >&2; exit 1")
	if out, err := e.run([]string{"WEBCONFIG=" + wc}, "verify-url"); err == nil {
		t.Errorf("verify-url without a trigger succeeded:\n%s", out)
	}
}

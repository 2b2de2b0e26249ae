package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// deploy/awsrelease.sh against a stand-in for the AWS CLI that answers as
// the services do where the script's correctness depends on it:
// ListDeployments refuses an application name without a deployment group
// name (and the reverse), StopDeployment is recorded, DeleteFunction needs
// a qualifier.

// fakeAWS keeps its state in FAKE_AWS_DIR: groups (the application's
// deployment groups), deps/<group> (lines "id status"), functions, and per
// function <fn>/alias, <fn>/weights, <fn>/versions, <fn>/calls; it appends
// every call to calls.
const fakeAWS = `#!/usr/bin/env bash
set -euo pipefail
d=$FAKE_AWS_DIR
echo "$*" >> "$d/calls"
svc=$1 op=$2
shift 2
app="" group="" fn="" qualifier="" statuses="" id="" rollback=""
while [ $# -gt 0 ]; do
  case "$1" in
  --application-name) app=$2; shift ;;
  --deployment-group-name) group=$2; shift ;;
  --function-name) fn=$2; shift ;;
  --qualifier) qualifier=$2; shift ;;
  --deployment-id) id=$2; shift ;;
  --auto-rollback-enabled) rollback=1 ;;
  Name=FunctionName,Value=*) fn=${1#Name=FunctionName,Value=} ;;
  --include-only-statuses) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do statuses="$statuses $1"; shift; done; continue ;;
  esac
  shift
done
case "$svc $op" in
"cloudformation describe-stack-resource") echo "todofn-test-ServerlessDeploymentApplication-ABC" ;;
"cloudformation list-stack-resources") tr '\n' '\t' < "$d/functions"; echo ;;
"deploy list-deployment-groups") tr '\n' '\t' < "$d/groups"; echo ;;
"deploy list-deployments")
  # The API: applicationName and deploymentGroupName together or neither.
  if [ -n "$app" ] && [ -z "$group" ] || [ -z "$app" ] && [ -n "$group" ]; then
    echo "An error occurred (InvalidInputException) when calling the ListDeployments operation: applicationName and deploymentGroupName must be specified together" >&2
    exit 254
  fi
  out=""
  if [ -f "$d/deps/$group" ]; then
    while read -r i s; do
      if [ -z "$statuses" ] || [[ " $statuses " == *" $s "* ]]; then out="$out$i	"; fi
    done < "$d/deps/$group"
  fi
  echo "${out:-None}" ;;
"deploy get-deployment") cat "$d"/deps/* | awk -v id="$id" '$1 == id { print $2 }' ;;
"deploy stop-deployment") [ -n "$rollback" ] || { echo "stop without rollback" >&2; exit 9; }; echo '{"status":"Pending"}' ;;
"lambda get-alias") cat "$d/$fn/alias" ;;
"cloudwatch get-metric-statistics") cat "$d/$fn/calls" ;;
"lambda list-aliases") printf '%s\t%s\n' "$(cat "$d/$fn/alias")" "$(cat "$d/$fn/weights")" ;;
"lambda list-versions-by-function") tr '\n' '\t' < "$d/$fn/versions"; echo ;;
"lambda delete-function")
  [ -n "$qualifier" ] || { echo "delete of a whole function" >&2; exit 9; }
  grep -vx "$qualifier" "$d/$fn/versions" > "$d/$fn/versions.new" || true
  mv "$d/$fn/versions.new" "$d/$fn/versions" ;;
*) echo "fake aws: $svc $op" >&2; exit 2 ;;
esac
`

// awsFake writes the fake CLI and its state; files maps a path under the
// state folder to its content.
func awsFake(t *testing.T, files map[string]string) (dir string, run func(args ...string) (string, error)) {
	t.Helper()
	dir = t.TempDir()
	bin := filepath.Join(dir, "aws")
	files["aws"] = fakeAWS
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, func(args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{"deploy/awsrelease.sh"}, args...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "AWS="+bin, "FAKE_AWS_DIR="+dir, "STACK_NAME=todofn-test", "GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// stateFile reads a file of the fake's state ("" when it does not exist).
func stateFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// TestAWSReleaseScript: check, rollback, calls and prune per function's
// deployment group, against the fake CLI.
func TestAWSReleaseScript(t *testing.T) {
	dir, release := awsFake(t, map[string]string{
		"groups":                                         "g-register\ng-mailer\n",
		"deps/g-register":                                "d-1 Succeeded\nd-3 InProgress\n",
		"deps/g-mailer":                                  "d-2 Succeeded\n",
		"functions":                                      "todofn-test-register\ntodofn-test-mailer\nCodeDeployHook_todofn-test-pretraffic\n",
		"todofn-test-register/alias":                     "7",
		"todofn-test-register/weights":                   "8",
		"todofn-test-register/calls":                     "42.0",
		"todofn-test-register/versions":                  "$LATEST\n1\n2\n3\n4\n5\n6\n7\n8\n",
		"todofn-test-mailer/alias":                       "3",
		"todofn-test-mailer/weights":                     "",
		"todofn-test-mailer/calls":                       "0.0",
		"todofn-test-mailer/versions":                    "$LATEST\n1\n2\n3\n",
		"CodeDeployHook_todofn-test-pretraffic/alias":    "1",
		"CodeDeployHook_todofn-test-pretraffic/weights":  "",
		"CodeDeployHook_todofn-test-pretraffic/versions": "1\n",
	})

	// check: one deployment still in progress is a failure, named.
	out, err := release("check", "2026-12-01T10:00:00Z")
	if err == nil || !strings.Contains(out, "g-register: d-3 InProgress") || !strings.Contains(out, "1 of 3 deployments did not succeed") {
		t.Errorf("check with a deployment in progress: %v\n%s", err, out)
	}
	// rollback: only the deployment in progress, with rollback.
	out, err = release("rollback")
	if err != nil || !strings.Contains(out, "g-register: stopping d-3 with rollback") || strings.Contains(out, "d-1") || !strings.Contains(out, "rolled back 1 deployments") {
		t.Errorf("rollback: %v\n%s", err, out)
	}
	// Every ListDeployments call named its group (the fake refuses one
	// without, as the API does, so the steps above would have failed).
	calls := stateFile(t, filepath.Join(dir, "calls"))
	if n := strings.Count(calls, "deploy list-deployments"); n != 4 || strings.Count(calls, "--deployment-group-name g-") != n {
		t.Errorf("list-deployments calls (want 4, each with its group):\n%s", calls)
	}
	if !strings.Contains(calls, "--create-time-range start=2026-12-01T10:00:00Z") {
		t.Errorf("check does not limit the deployments to the release's:\n%s", calls)
	}

	// check once every deployment succeeded, and with none at all.
	if err := os.WriteFile(filepath.Join(dir, "deps", "g-register"), []byte("d-1 Succeeded\nd-3 Succeeded\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := release("check", "2026-12-01T10:00:00Z"); err != nil || strings.Count(out, "Succeeded") != 3 {
		t.Errorf("check with every deployment succeeded: %v\n%s", err, out)
	}
	for _, g := range []string{"g-register", "g-mailer"} {
		if err := os.Remove(filepath.Join(dir, "deps", g)); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := release("check", "2026-12-01T10:00:00Z"); err != nil || !strings.Contains(out, "no function changed") {
		t.Errorf("check with no deployment: %v\n%s", err, out)
	}

	// calls: the idle mailer is reported, the busy register is not, the hook is skipped.
	out, err = release("calls", "2026-12-01T10:00:00Z")
	if err != nil || !strings.Contains(out, "todofn-test-register: version 7 answered 42 calls") ||
		!strings.Contains(out, "::warning::no call reached the new version of todofn-test-mailer through live") ||
		strings.Contains(out, "::warning::no call reached the new version of todofn-test-register") || strings.Contains(out, "CodeDeployHook_") {
		t.Errorf("calls: %v\n%s", err, out)
	}
	if s := stateFile(t, filepath.Join(dir, "summary")); !strings.Contains(s, "todofn-test-mailer") {
		t.Errorf("the job summary does not report the idle mailer: %q", s)
	}
	calls = stateFile(t, filepath.Join(dir, "calls"))
	if !strings.Contains(calls, "Name=ExecutedVersion,Value=7") || !strings.Contains(calls, "Name=Resource,Value=todofn-test-register:live") {
		t.Errorf("calls does not count the live version's invocations through live:\n%s", calls)
	}

	// prune 3: register keeps 6, 7 (live), 8 (weighed) and deletes 1-5;
	// the mailer keeps all 3; $LATEST is no version to delete.
	out, err = release("prune", "3")
	if err != nil {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	if got := strings.Fields(stateFile(t, filepath.Join(dir, "todofn-test-register", "versions"))); strings.Join(got, " ") != "$LATEST 6 7 8" {
		t.Errorf("register's versions after prune 3 = %v, want $LATEST 6 7 8\n%s", got, out)
	}
	if got := strings.Fields(stateFile(t, filepath.Join(dir, "todofn-test-mailer", "versions"))); len(got) != 4 {
		t.Errorf("the mailer's versions after prune 3 = %v, want all", got)
	}
	// An alias's version older than the newest KEEP stays.
	if err := os.WriteFile(filepath.Join(dir, "todofn-test-register", "alias"), []byte("6"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := release("prune", "2"); err != nil || strings.Join(strings.Fields(stateFile(t, filepath.Join(dir, "todofn-test-register", "versions"))), " ") != "$LATEST 6 7 8" {
		t.Errorf("prune 2 with live on 6 and a canary on 8: %v\n%s", err, out)
	}
	for _, bad := range []string{"1", "0", "x"} {
		if out, err := release("prune", bad); err == nil {
			t.Errorf("prune %q succeeded:\n%s", bad, out)
		}
	}
}

// TestEveryListDeploymentsNamesAGroup: no workflow, make file, script or
// doc calls ListDeployments with an application name and no deployment
// group (the API refuses it).
func TestEveryListDeploymentsNamesAGroup(t *testing.T) {
	files := workflowFiles(t)
	for _, pattern := range []string{"*.mk", "Makefile", "deploy/*.sh", "docs/*.md", "README.md"} {
		m, err := filepath.Glob(path(pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	call := regexp.MustCompile(`list-deployments\b((?:\\\n|[^\n])*)`)
	n := 0
	for _, f := range files {
		for _, m := range call.FindAllStringSubmatch(stateFile(t, f), -1) {
			n++
			if strings.Contains(m[1], "--application-name") != strings.Contains(m[1], "--deployment-group-name") {
				t.Errorf("%s: list-deployments%s\nnames an application without a deployment group (or the reverse)", filepath.Base(f), m[1])
			}
		}
	}
	if n == 0 {
		t.Fatal("no list-deployments call found; has deploy/awsrelease.sh moved?")
	}
}

package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The release's stages (release.yml, docs/release.md): the security job
// gates both, production waits for the test stage and for its environment's
// reviewers, each stage's OIDC subject is its environment, and every
// sam deploy waits longer than the canary runs.

// samWaitMargin is the least a sam deploy's wait must exceed the canary by:
// the stack update around it and the pre-traffic hook (Timeout 120 s).
const samWaitMargin = 30

// needs lists a job's needs (a string or a list).
func needs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return asStrings(v)
}

// TestReleaseStages: test before production, the CI jobs (tests and the
// security gate) before both, each stage in its own environment.
func TestReleaseStages(t *testing.T) {
	w := loadWorkflow(t, path(".github", "workflows", "release.yml"))
	for _, cloud := range []string{"aws", "fc"} {
		test, prod := cloud+"-test", cloud+"-prod"
		for job, want := range map[string][]string{test: {"ci"}, prod: {"ci", test}} {
			j, ok := w.Jobs[job]
			if !ok {
				t.Fatalf("release.yml has no job %s", job)
			}
			for _, n := range want {
				if !slices.Contains(needs(j.Needs), n) {
					t.Errorf("%s needs %v, want %s among them", job, needs(j.Needs), n)
				}
			}
		}
		if env := fmt.Sprint(w.Jobs[test].Environment); env != "test" {
			t.Errorf("%s runs in environment %q, want test", test, env)
		}
		if env := fmt.Sprint(w.Jobs[prod].Environment); env != "production" {
			t.Errorf("%s runs in environment %q, want production (its required reviewers are the gate)", prod, env)
		}
		var runs []string
		for _, s := range w.Jobs[test].Steps {
			runs = append(runs, s.Run)
		}
		all := strings.Join(runs, "\n")
		for _, want := range []string{"make e2e-remote CLOUD=" + cloud, "make replay"} {
			if !strings.Contains(all, want) {
				t.Errorf("the %s stage does not run %q", test, want)
			}
		}
	}
	// The production stages: the gray release, then the checks, and a
	// rollback on a failure or a cancel.
	for job, want := range map[string][]string{
		"aws-prod": {"./deploy/awsrelease.sh deploy", "make aws-check", "make aws-calls", "make aws-prune"},
		"fc-prod":  {"make fc-deploy", "make fc-release"},
	} {
		var runs, rollback []string
		for _, s := range w.Jobs[job].Steps {
			runs = append(runs, s.Run)
			if s.If == "failure() || cancelled()" {
				rollback = append(rollback, s.Run)
			}
		}
		for _, x := range want {
			if !strings.Contains(strings.Join(runs, "\n"), x) {
				t.Errorf("%s does not run %q", job, x)
			}
		}
		cloud := strings.TrimSuffix(job, "-prod")
		if !strings.Contains(strings.Join(rollback, "\n"), "make "+cloud+"-rollback") {
			t.Errorf("%s has no make %s-rollback step on failure() || cancelled()", job, cloud)
		}
	}
	// The security gate is one of ci.yml's jobs, with every scanner.
	ci := loadWorkflow(t, path(".github", "workflows", "ci.yml"))
	var sec []string
	for _, s := range ci.Jobs["security"].Steps {
		sec = append(sec, s.Run)
	}
	for _, want := range []string{"make security", "govulncheck"} {
		if !strings.Contains(strings.Join(sec, "\n"), want) {
			t.Errorf("ci.yml's security job does not run %s", want)
		}
	}
	// install-tools.sh's security set installs govulncheck with the others.
	data, err := os.ReadFile(path("scripts", "install-tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(data)
	if i, j := strings.Index(script, "go_tool govulncheck "), strings.Index(script, `if [ "${1:-}" = security ]`); i < 0 || i > j {
		t.Error("scripts/install-tools.sh does not install govulncheck in its security set")
	}
}

// TestOIDCSubjectsMatchEnvironments: a job that names an environment gets a
// token whose sub is repo:OWNER/REPO:environment:NAME, not the branch
// (GitHub's OIDC reference), so each role's trust policy (docs/deploy.md)
// and release.yml's comment name exactly that subject, and no subject
// names a branch.
func TestOIDCSubjectsMatchEnvironments(t *testing.T) {
	w := loadWorkflow(t, path(".github", "workflows", "release.yml"))
	release := stateFile(t, path(".github", "workflows", "release.yml"))
	deployDoc := stateFile(t, path("docs", "deploy.md"))
	n := 0
	for name, j := range w.Jobs {
		if fmt.Sprint(dig(j.Permissions, "id-token")) != "write" {
			continue
		}
		n++
		env, ok := j.Environment.(string)
		if !ok || env == "" {
			t.Errorf("%s asks for an OIDC token but names no environment: its subject would be the branch's", name)
			continue
		}
		sub := "repo:OWNER/REPO:environment:" + env
		if !strings.Contains(release, sub) {
			t.Errorf("release.yml's comments do not name %s's subject %s", name, sub)
		}
		if !strings.Contains(deployDoc, `"token.actions.githubusercontent.com:sub": "`+sub+`"`) {
			t.Errorf("docs/deploy.md has no trust policy for %s's subject %s", name, sub)
		}
	}
	if n == 0 {
		t.Fatal("no release job asks for an OIDC token (id-token: write)")
	}
	if m := regexp.MustCompile(`repo:[^"\s]*:ref:refs/heads/`).FindString(release); m != "" {
		t.Errorf("release.yml names a branch subject (%s...): a job with an environment never has one", m)
	}
	if m := regexp.MustCompile(`:sub"\s*:\s*"repo:[^"]*:ref:refs/heads/[^"]*"`).FindString(deployDoc); m != "" {
		t.Errorf("docs/deploy.md trusts a branch subject (%s): a job with an environment never has one", m)
	}
}

// TestSamDeployWaitsOutTheCanary: every sam deploy waits longer than the
// canary (SAM CLI gives up after 60 minutes unless told): the release
// script, make aws-release, samconfig.toml for a hand deploy, and no other
// sam deploy anywhere.
func TestSamDeployWaitsOutTheCanary(t *testing.T) {
	tmpl := loadYAML(t, "template.yml")
	maxCanary, err := strconv.Atoi(fmt.Sprint(dig(tmpl, "Parameters", "CanaryMinutes", "MaxValue")))
	if err != nil {
		t.Fatalf("CanaryMinutes has no MaxValue (%v): no wait can be known to cover it", err)
	}
	// The script's and make's default canary is the template's.
	defCanary, err := strconv.Atoi(fmt.Sprint(dig(tmpl, "Parameters", "CanaryMinutes", "Default")))
	if err != nil {
		t.Fatalf("CanaryMinutes has no Default: %v", err)
	}
	if out := makeDryRun(t, "aws-release", "RELEASE_ID=r1"); !strings.Contains(out, fmt.Sprintf("CanaryMinutes=%d ", defCanary)) {
		t.Errorf("make aws-release's default canary is not the template's %d:\n%s", defCanary, out)
	}
	// The release script, with a stand-in for sam.
	dir := t.TempDir()
	sam := filepath.Join(dir, "sam")
	if err := os.WriteFile(sam, []byte("#!/bin/sh\necho \"$*\" >> \""+dir+"/calls\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"SAM=" + sam, "APP_URL=https://app.example/", "ALLOWED_ORIGINS=https://app.example", "JWT_SIGNING_KEYS=k", "JWT_PUBLIC_KEYS=k",
		"APP_SECRET=s", "SMTP_USERNAME=u", "SMTP_PASSWORD=p"}
	for _, tt := range []struct {
		canary string
		want   int
	}{{"", defCanary}, {"200", 200}, {strconv.Itoa(maxCanary), maxCanary}} {
		_ = os.Remove(filepath.Join(dir, "calls"))
		cmd := exec.Command("bash", "deploy/awsrelease.sh", "deploy")
		cmd.Dir = root
		cmd.Env = append(append(os.Environ(), env...), "STAGE=prod", "CANARY_MINUTES="+tt.canary)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("awsrelease.sh deploy: %v\n%s", err, out)
		}
		calls := stateFile(t, filepath.Join(dir, "calls"))
		m := regexp.MustCompile(`--max-wait-duration (\d+)`).FindStringSubmatch(calls)
		if m == nil || !strings.Contains(calls, fmt.Sprintf(`CanaryMinutes="%d"`, tt.want)) || !strings.Contains(calls, "--stack-name todofn-prod") || !strings.Contains(calls, "--config-env prod") {
			t.Errorf("CANARY_MINUTES=%q: sam ran\n%s", tt.canary, calls)
			continue
		}
		if wait, _ := strconv.Atoi(m[1]); wait < tt.want+samWaitMargin {
			t.Errorf("CANARY_MINUTES=%q: sam deploy waits %d minutes for a %d-minute canary", tt.canary, wait, tt.want)
		}
	}
	// A value sam cannot pass is refused, a required one missing is named.
	cmd := exec.Command("bash", "deploy/awsrelease.sh", "deploy")
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), env...), `APP_SECRET=a"b`)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "AppSecret holds a quote") {
		t.Errorf("a quote in APP_SECRET: %v\n%s", err, out)
	}
	cmd = exec.Command("bash", "deploy/awsrelease.sh", "deploy")
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), env...), "APP_URL=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "APP_URL is not set") {
		t.Errorf("no APP_URL: %v\n%s", err, out)
	}

	// make aws-release.
	out := makeDryRun(t, "aws-release", "CANARY_MINUTES=200", "RELEASE_ID=r1")
	m := regexp.MustCompile(`--max-wait-duration \$\(\( (\d+) \+ (\d+) \)\)`).FindStringSubmatch(out)
	if m == nil || m[1] != "200" || !strings.Contains(out, "CanaryMinutes=200") {
		t.Errorf("make aws-release CANARY_MINUTES=200 runs\n%s", out)
	} else if margin, _ := strconv.Atoi(m[2]); margin < samWaitMargin {
		t.Errorf("make aws-release waits the canary + %d minutes", margin)
	}

	// samconfig.toml: a hand `sam deploy` of either environment.
	conf := stateFile(t, path("samconfig.toml"))
	for _, section := range []string{"[default.deploy.parameters]", "[prod.deploy.parameters]"} {
		i := strings.Index(conf, section)
		if i < 0 {
			t.Fatalf("samconfig.toml has no %s", section)
		}
		body := conf[i+len(section):]
		if j := strings.Index(body, "\n["); j >= 0 {
			body = body[:j]
		}
		m := regexp.MustCompile(`(?m)^max_wait_duration = (\d+)`).FindStringSubmatch(body)
		if m == nil {
			t.Errorf("samconfig.toml's %s sets no max_wait_duration: sam deploy gives up after 60 minutes", section)
		} else if wait, _ := strconv.Atoi(m[1]); wait < maxCanary+samWaitMargin {
			t.Errorf("samconfig.toml's %s waits %d minutes; the longest canary is %d", section, wait, maxCanary)
		}
	}

	// The release plan keeps the window within CanaryMinutes' bounds.
	plan := stateFile(t, path(".github", "workflows", "release.yml"))
	if !strings.Contains(plan, fmt.Sprintf(`"$WINDOW" -gt %d`, maxCanary)) {
		t.Errorf("release.yml's plan does not bound window_minutes by CanaryMinutes' MaxValue %d", maxCanary)
	}

	// No other sam deploy: every one passes a wait (or is the script's).
	files := workflowFiles(t)
	for _, pattern := range []string{"*.mk", "Makefile", "deploy/*.sh"} {
		g, _ := filepath.Glob(path(pattern))
		files = append(files, g...)
	}
	// A command line starts with it (comments and help texts do not).
	deploy := regexp.MustCompile(`(?m)^\s*(?:sam|"\$SAM") deploy\b((?:\\\n|[^\n])*)`)
	n := 0
	for _, f := range files {
		for _, m := range deploy.FindAllStringSubmatch(stateFile(t, f), -1) {
			n++
			if !strings.Contains(m[1], "--max-wait-duration") {
				t.Errorf("%s: sam deploy%s\nsets no --max-wait-duration", filepath.Base(f), m[1])
			}
		}
	}
	if n < 2 {
		t.Errorf("found %d sam deploy command lines, want deploy.mk's and awsrelease.sh's at least", n)
	}
}

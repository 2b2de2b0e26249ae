package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The CI workflows (.github/workflows): actionlint, offline, and what
// actionlint cannot know: that the release passes each cloud's descriptor
// every setting it needs, calls make targets that exist, and takes secrets
// only from the secret store.

func workflowFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(path(".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no .github/workflows/*.yml (%v)", err)
	}
	return files
}

// actionlint runs actionlint on files; shellcheck checks the run: scripts
// when it is installed (it must be with TODOFN_REQUIRE_SERVICES=1, as
// install-tools.sh installs it), pyflakes never (no Python steps).
func actionlint(tb testing.TB, files ...string) ([]byte, error) {
	tb.Helper()
	bin := goTool("ACTIONLINT", "actionlint")
	if bin == "" {
		missing(tb, "actionlint is not installed (scripts/install-tools.sh security)")
	}
	args := []string{"-no-color", "-pyflakes="}
	if sc := tool("SHELLCHECK", "shellcheck"); sc != "" {
		args = append(args, "-shellcheck="+sc)
	} else if requireServices() {
		tb.Fatal("shellcheck is not installed (scripts/install-tools.sh security) (TODOFN_REQUIRE_SERVICES=1)")
	} else {
		tb.Log("shellcheck is not installed: actionlint checks the workflows without it")
		args = append(args, "-shellcheck=")
	}
	cmd := exec.Command(bin, append(args, files...)...)
	cmd.Dir = root
	return cmd.CombinedOutput()
}

// TestActionlint lints every workflow; any finding fails.
func TestActionlint(t *testing.T) {
	if out, err := actionlint(t, workflowFiles(t)...); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
	// And it can fail: a broken copy of a workflow is refused.
	bad := filepath.Join(t.TempDir(), "bad.yml")
	doc := "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }} $1\n        shell: bash\n"
	if err := os.WriteFile(bad, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := actionlint(t, bad); err == nil {
		t.Errorf("actionlint accepts a workflow with an unknown context property:\n%s", out)
	}
}

// workflow is the part of a workflow file these tests read.
type workflow struct {
	Jobs map[string]struct {
		Needs       any               `yaml:"needs"` // a job or a list of jobs
		Environment any               `yaml:"environment"`
		Permissions any               `yaml:"permissions"`
		Env         map[string]string `yaml:"env"`
		Steps       []struct {
			Name string            `yaml:"name"`
			If   string            `yaml:"if"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func loadWorkflow(tb testing.TB, file string) workflow {
	tb.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	return w
}

// TestWorkflowHygiene: every action is pinned to a version, no run: script
// expands a secret or a variable itself (they reach scripts through env:,
// so no value is ever parsed as shell), and every `make TARGET` a script
// runs is a target of the Makefile.
func TestWorkflowHygiene(t *testing.T) {
	pinned := regexp.MustCompile(`^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+)*|[0-9a-f]{40})$`)
	makeTarget := regexp.MustCompile(`(?m)(?:^|[;&|(]\s*|\s)make((?:\s+-[a-zA-Z]+)*)\s+([a-z][a-z0-9-]*)`)
	shellComment := regexp.MustCompile(`(?m)(^|\s)#.*$`)
	targets := map[string]bool{}
	for _, file := range workflowFiles(t) {
		name := filepath.Base(file)
		for job, j := range loadWorkflow(t, file).Jobs {
			for i, s := range j.Steps {
				step := s.Name
				if step == "" {
					step = s.Uses
				}
				if s.Uses != "" && !strings.HasPrefix(s.Uses, "./") && !pinned.MatchString(s.Uses) {
					t.Errorf("%s: job %s step %d uses %q: pin the action to a version (owner/repo@vN or a commit)", name, job, i, s.Uses)
				}
				for _, ctx := range []string{"secrets.", "vars.", "inputs.", "github.event."} {
					if strings.Contains(s.Run, "${{") && strings.Contains(s.Run, ctx) {
						t.Errorf("%s: job %s step %q expands %s... in its script: pass it through env:", name, job, step, ctx)
					}
				}
				for _, m := range makeTarget.FindAllStringSubmatch(shellComment.ReplaceAllString(s.Run, ""), -1) {
					targets[m[2]] = true
				}
			}
		}
	}
	if len(targets) == 0 {
		t.Fatal("no workflow runs a make target")
	}
	names := make([]string, 0, len(targets))
	for tg := range targets {
		names = append(names, tg)
	}
	sort.Strings(names)
	for _, tg := range names {
		cmd := exec.Command("make", "-n", "--no-print-directory", tg, "STACK_NAME=todofn-test")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("the workflows run make %s, which make does not know: %v\n%s", tg, err, out)
		}
	}
	t.Logf("make targets the workflows run: %s", strings.Join(names, " "))
}

// releaseJob returns the release workflow's job for cloud.
func releaseJob(t *testing.T, cloud string) (env map[string]string, runs []string) {
	t.Helper()
	w := loadWorkflow(t, path(".github", "workflows", "release.yml"))
	j, ok := w.Jobs[cloud]
	if !ok {
		t.Fatalf("release.yml has no job %s", cloud)
	}
	env = map[string]string{}
	for k, v := range j.Env {
		env[k] = v
	}
	for _, s := range j.Steps {
		for k, v := range s.Env {
			env[k] = v
		}
		runs = append(runs, s.Run)
	}
	return env, runs
}

// TestWorkflowPassesTemplateParameters: deploy/awsrelease.sh deploy, which
// both AWS stage jobs run, sets every parameter of template.yml that has no
// default, names only parameters the template has, takes each value from a
// variable each job sets (or the script sets itself), and the NoEcho ones
// from secrets.
func TestWorkflowPassesTemplateParameters(t *testing.T) {
	data, err := os.ReadFile(path("deploy", "awsrelease.sh"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(data)
	deploy := script[strings.Index(script, "\ndeploy)"):]
	deploy = deploy[:strings.Index(deploy, "\n  ;;")]
	passed := map[string]string{} // parameter -> the variable it is given
	for _, m := range regexp.MustCompile(`(?m)\bp (\w+) "\$\{?(\w+)`).FindAllStringSubmatch(deploy, -1) {
		passed[m[1]] = m[2]
	}
	if len(passed) == 0 {
		t.Fatal("awsrelease.sh deploy passes no parameter: has its syntax changed?")
	}
	params := asMap(dig(loadYAML(t, "template.yml"), "Parameters"))
	local := map[string]bool{"STAGE": true, "canary": true, "RELEASE_ID": true} // the script's own or defaulted
	for _, job := range []string{"aws-test", "aws-prod"} {
		env, runs := releaseJob(t, job)
		if !slices.ContainsFunc(runs, func(r string) bool { return strings.Contains(r, "./deploy/awsrelease.sh deploy") }) {
			t.Errorf("the %s job does not deploy with ./deploy/awsrelease.sh deploy", job)
		}
		for name, p := range params {
			_, hasDefault := asMap(p)["Default"]
			v, ok := passed[name]
			if !hasDefault && !ok {
				t.Errorf("awsrelease.sh deploy does not pass %s, which has no default", name)
			}
			if noEcho, _ := asMap(p)["NoEcho"].(bool); noEcho && ok && !strings.HasPrefix(env[v], "${{ secrets.") {
				t.Errorf("%s passes the NoEcho parameter %s from %s = %q, not from secrets", job, name, v, env[v])
			}
		}
		for name, v := range passed {
			if _, ok := params[name]; !ok {
				t.Errorf("awsrelease.sh passes %s, which template.yml does not have", name)
			}
			if _, ok := env[v]; !ok && !local[v] && !strings.Contains(deploy, "${"+v+":-}") {
				t.Errorf("awsrelease.sh passes %s=$%s, which the %s job does not set", name, v, job)
			}
		}
	}
}

// TestWorkflowSetsSYAMLEnvironment: the FC job sets every variable s.yaml
// reads without a default (s deploy fails on an unset one), and the
// secrets s.yaml reads from secrets.
func TestWorkflowSetsSYAMLEnvironment(t *testing.T) {
	data, err := os.ReadFile(path("s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	required := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{env\('(\w+)'\)\}`).FindAllStringSubmatch(string(data), -1) {
		required[m[1]] = true
	}
	if len(required) == 0 {
		t.Fatal("s.yaml reads no ${env('...')}: has its syntax changed?")
	}
	for _, job := range []string{"fc-test", "fc-prod"} {
		env, _ := releaseJob(t, job)
		for name := range required {
			if _, ok := env[name]; !ok {
				t.Errorf("the %s job of release.yml does not set %s, which s.yaml reads without a default", job, name)
			}
		}
		for _, secret := range []string{"JWT_SIGNING_KEYS", "APP_SECRET", "SMTP_PASSWORD"} {
			if !strings.HasPrefix(env[secret], "${{ secrets.") {
				t.Errorf("the %s job takes %s from %q, not from secrets", job, secret, env[secret])
			}
		}
	}
}

package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The security gate (`make security`, and `make test` through go test
// ./...): gosec over the module's code with a committed baseline of accepted
// findings, and gitleaks over the git history with a committed allowlist.
// Both run offline. govulncheck needs its database online and runs only in
// the CI workflows (.github/workflows).

// goTool finds a checker installed by scripts/install-tools.sh: $envVar,
// PATH, then $(go env GOPATH)/bin (which `go test` alone need not have on
// PATH). It returns "" when there is none.
func goTool(envVar, name string) string {
	if p := tool(envVar, name); p != "" {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
		if p := filepath.Join(dir, "bin", name); isExec(p) {
			return p
		}
	}
	return ""
}

// gosecBaseline is .security/gosec-baseline.json: the findings accepted
// after review, each with the reason.
type gosecBaseline struct {
	Comment  []string        `json:"comment"`
	Accepted []acceptedIssue `json:"accepted"`
}

// acceptedIssue matches a finding by rule, file and the flagged source line
// (its first line, whitespace collapsed), not by line number, so edits
// elsewhere in the file leave it matched. Count is how many findings of the
// same rule flag that same line (default 1).
type acceptedIssue struct {
	Rule   string `json:"rule"`
	File   string `json:"file"`
	Code   string `json:"code"`
	Count  int    `json:"count,omitempty"`
	Reason string `json:"reason"`
}

func (a acceptedIssue) key() string { return a.Rule + "\x00" + a.File + "\x00" + a.Code }

// gosecIssue is one finding of `gosec -fmt=json`.
type gosecIssue struct {
	Rule    string `json:"rule_id"`
	Details string `json:"details"`
	File    string `json:"file"`
	Line    string `json:"line"` // "12" or "12-20"
	Code    string `json:"code"`
}

// normalizeCode collapses the runs of white space of a source line, so that
// gofmt realigning a block does not unmatch a finding.
func normalizeCode(s string) string { return strings.Join(strings.Fields(s), " ") }

// flaggedLine returns the first line a finding flags, normalized.
func flaggedLine(tb testing.TB, files map[string][]string, rel, lines string) string {
	tb.Helper()
	src, ok := files[rel]
	if !ok {
		data, err := os.ReadFile(path(rel))
		if err != nil {
			tb.Fatalf("gosec reported %s: %v", rel, err)
		}
		src = strings.Split(string(data), "\n")
		files[rel] = src
	}
	first, _, _ := strings.Cut(lines, "-")
	n, err := strconv.Atoi(first)
	if err != nil || n < 1 || n > len(src) {
		tb.Fatalf("gosec reported %s line %q, which the file does not have", rel, lines)
	}
	return normalizeCode(src[n-1])
}

func loadGosecBaseline(tb testing.TB) gosecBaseline {
	tb.Helper()
	data, err := os.ReadFile(path(".security", "gosec-baseline.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var b gosecBaseline
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		tb.Fatalf(".security/gosec-baseline.json: %v", err)
	}
	for i, a := range b.Accepted {
		if a.Rule == "" || a.File == "" || a.Code == "" || strings.TrimSpace(a.Reason) == "" {
			tb.Errorf(".security/gosec-baseline.json: entry %d (%s %s) needs rule, file, code and a reason", i, a.Rule, a.File)
		}
		if a.Code != normalizeCode(a.Code) {
			tb.Errorf(".security/gosec-baseline.json: entry %d (%s %s): code must have its white space collapsed: %q", i, a.Rule, a.File, normalizeCode(a.Code))
		}
	}
	return b
}

// TestGosec runs gosec over ./... (the code, not its tests) and compares
// its findings with .security/gosec-baseline.json: a finding the baseline
// does not accept fails the test, and so does an accepted finding gosec no
// longer reports (remove it from the baseline).
func TestGosec(t *testing.T) {
	if testing.Short() {
		t.Skip("gosec takes some seconds (-short)")
	}
	gosec := goTool("GOSEC", "gosec")
	if gosec == "" {
		missing(t, "gosec is not installed (scripts/install-tools.sh security)")
	}
	baseline := loadGosecBaseline(t)
	report := filepath.Join(t.TempDir(), "gosec.json")
	cmd := exec.Command(gosec, "-quiet", "-no-fail", "-exclude-generated", "-fmt=json", "-out="+report, "./...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gosec: %v\n%s", err, out)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Errors map[string]any `json:"Golang errors"`
		Issues []gosecIssue   `json:"Issues"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatalf("gosec's report: %v", err)
	}
	// A package gosec could not type-check is a package it did not check.
	for file, e := range res.Errors {
		t.Errorf("gosec could not analyse %s: %v", file, e)
	}

	left := map[string]int{}
	for _, a := range baseline.Accepted {
		n := a.Count
		if n == 0 {
			n = 1
		}
		left[a.key()] += n
	}
	files := map[string][]string{}
	var unaccepted []string
	for _, is := range res.Issues {
		rel, err := filepath.Rel(root, is.File)
		if err != nil {
			rel = is.File
		}
		rel = filepath.ToSlash(rel)
		a := acceptedIssue{Rule: is.Rule, File: rel, Code: flaggedLine(t, files, rel, is.Line)}
		if left[a.key()] > 0 {
			left[a.key()]--
			continue
		}
		entry, _ := json.Marshal(acceptedIssue{Rule: a.Rule, File: a.File, Code: a.Code, Reason: "WHY this is no issue"})
		unaccepted = append(unaccepted, fmt.Sprintf("%s:%s %s %s\n    baseline entry, if it is accepted after review: %s", rel, is.Line, is.Rule, is.Details, entry))
	}
	sort.Strings(unaccepted)
	if len(unaccepted) > 0 {
		t.Errorf("gosec: %d finding(s) not in .security/gosec-baseline.json; fix the code, or review and accept each with its reason:\n%s",
			len(unaccepted), strings.Join(unaccepted, "\n"))
	}
	for _, a := range baseline.Accepted {
		if left[a.key()] > 0 {
			t.Errorf(".security/gosec-baseline.json accepts %s in %s at %q %d more time(s) than gosec reports it: remove or lower the entry", a.Rule, a.File, a.Code, left[a.key()])
			left[a.key()] = 0
		}
	}
}

// gitleaksFinding is one finding of gitleaks' JSON report.
type gitleaksFinding struct {
	RuleID      string
	Description string
	File        string
	StartLine   int
	Commit      string
	Fingerprint string
	Match       string // redacted (--redact)
}

// gitleaks runs gitleaks with the gate's configuration and returns its findings.
func gitleaks(tb testing.TB, bin string, args ...string) []gitleaksFinding {
	tb.Helper()
	report := filepath.Join(tb.TempDir(), "gitleaks.json")
	args = append(args, "--no-banner", "--redact", "--log-level=warn", "--exit-code=0",
		"--config", path(".security", "gitleaks.toml"), "--report-format=json", "--report-path="+report)
	cmd := exec.Command(bin, args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("gitleaks %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		tb.Fatal(err)
	}
	var found []gitleaksFinding
	if err := json.Unmarshal(data, &found); err != nil {
		tb.Fatalf("gitleaks' report: %v\n%s", err, data)
	}
	return found
}

// TestGitleaks scans every commit reachable from HEAD, and the tracked
// files' changes not yet committed (staged or not), with
// .security/gitleaks.toml: gitleaks' own rules and the reviewed allowlist.
// Any finding fails the test. CI must check out the whole history
// (actions/checkout with fetch-depth: 0) for the scan to cover it.
func TestGitleaks(t *testing.T) {
	bin := goTool("GITLEAKS", "gitleaks")
	if bin == "" {
		missing(t, "gitleaks is not installed (scripts/install-tools.sh security)")
	}
	if _, err := os.Stat(path(".git")); err != nil {
		t.Skipf("not a git work tree: %v", err)
	}
	for _, scan := range []struct {
		name string
		args []string
	}{
		{"history", []string{"git", "."}},
		{"unstaged changes", []string{"git", "--pre-commit", "."}},
		{"staged changes", []string{"git", "--staged", "."}},
	} {
		for _, f := range gitleaks(t, bin, scan.args...) {
			where := f.File + ":" + strconv.Itoa(f.StartLine)
			if f.Commit != "" {
				where += " in commit " + f.Commit
			}
			t.Errorf("gitleaks (%s): %s: %s (%s)\n    %s\n    fingerprint %s", scan.name, where, f.RuleID, f.Description, f.Match, f.Fingerprint)
		}
	}
}

// TestGitleaksAllowlistIsNarrow makes sure the allowlist accepts each
// fixture only in its own file: the same values anywhere else are found.
func TestGitleaksAllowlistIsNarrow(t *testing.T) {
	bin := goTool("GITLEAKS", "gitleaks")
	if bin == "" {
		missing(t, "gitleaks is not installed (scripts/install-tools.sh security)")
	}
	dir := t.TempDir()
	// Assembled at run time, so that this file holds none of the values.
	src := fmt.Sprintf("package x\n\nvar (\n\tpassword = %q\n\tapiKey = %q\n\tawsKey = %q\n)\n",
		"qwerty"+"123456",
		"9f86d081884c7d65"+"9a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"AKIA"+"QWERTYUIOPASDFGH")
	if err := os.WriteFile(filepath.Join(dir, "leak.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	found := gitleaks(t, bin, "dir", dir)
	lines := map[int]bool{}
	for _, f := range found {
		lines[f.StartLine] = true
	}
	for line, what := range map[int]string{4: "an accepted test password", 5: "an accepted fixture hash", 6: "an AWS access key ID"} {
		if !lines[line] {
			t.Errorf("gitleaks does not report %s outside its file (line %d); found %+v", what, line, found)
		}
	}
}

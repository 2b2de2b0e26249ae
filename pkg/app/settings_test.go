package app

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's generated settings table (make generate)")

// repoRoot is the module's root, two folders above this file.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

const (
	readmeBegin = "<!-- BEGIN GENERATED settings: `make generate` writes it from pkg/app/settings.go; edit the table, not these lines -->"
	readmeEnd   = "<!-- END GENERATED settings -->"
)

// settingsMarkdown renders the settings table as the README shows it: one
// table per group, a row per variable.
func settingsMarkdown() string {
	var b strings.Builder
	var group string
	for _, s := range settings {
		if s.Group != group {
			group = s.Group
			fmt.Fprintf(&b, "\n**%s**\n\n| variable | type | default | applies to | meaning |\n|---|---|---|---|---|\n", group)
		}
		def := "—"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		if s.Local != "" {
			def += " (local: " + s.Local + ")"
		}
		doc := s.Doc
		if s.Owner != "" {
			doc += "; read by " + s.Owner
		}
		if s.Required != "" {
			doc += "; required with `STORE=" + s.Required + "`"
			if s.RequiredUnless != "" {
				doc += " unless `" + s.RequiredUnless + "` is set"
			}
		}
		if s.Min != "" {
			doc += "; from " + s.Min + " to " + strings.TrimPrefix(s.Max, "$")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s.Name, strings.ReplaceAll(s.Type(), "|", "\\|"), def, s.Applies, doc)
	}
	return b.String()
}

// TestReadmeSettings: the README's Configuration table is the settings
// table; `go test ./pkg/app -run TestReadmeSettings -update` (make
// generate) rewrites it.
func TestReadmeSettings(t *testing.T) {
	path := filepath.Join(repoRoot(t), "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, readmeBegin), strings.Index(readme, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q region", readmeBegin, readmeEnd)
	}
	want := readme[:i+len(readmeBegin)] + "\n" + settingsMarkdown() + "\n" + readme[j:]
	if want == readme {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README.md's Configuration table differs from pkg/app/settings.go: run make generate")
}

// TestSettingsTable checks the rows: one per variable, each with a group,
// where it applies and a doc line; each parsed row bound to a field of
// its own; rows nobody parses here name who reads them; secrets have no
// default; and every default parses cleanly.
func TestSettingsTable(t *testing.T) {
	groups := []string{GroupStore, GroupDynamoDB, GroupTablestore, GroupTokens, GroupWeb, GroupMail, GroupLimits, GroupRuntime}
	seen := map[string]bool{}
	fields := map[any]string{}
	var c Config
	lastGroup := -1
	for _, s := range settings {
		if seen[s.Name] {
			t.Errorf("%s: two rows", s.Name)
		}
		seen[s.Name] = true
		g := slices.Index(groups, s.Group)
		if g < 0 {
			t.Errorf("%s: unknown group %q", s.Name, s.Group)
		}
		if g < lastGroup {
			t.Errorf("%s: group %q out of order (the README groups rows)", s.Name, s.Group)
		}
		lastGroup = g
		if s.Doc == "" || s.Applies == "" {
			t.Errorf("%s: no doc line or no place it applies", s.Name)
		}
		if (s.field == nil) == (s.Owner == "") {
			t.Errorf("%s: a row either has a Config field or names the package that reads it (Owner), not both or neither", s.Name)
		}
		if s.Secret && s.Default != "" {
			t.Errorf("%s: a secret with a default", s.Name)
		}
		if s.RequiredUnless != "" && !seen[s.RequiredUnless] {
			t.Errorf("%s: RequiredUnless %s is not an earlier row", s.Name, s.RequiredUnless)
		}
		for _, f := range s.Fallbacks {
			if _, ok := LookupSetting(f); !ok {
				t.Errorf("%s: fallback %s is not a row", s.Name, f)
			}
		}
		if s.field != nil {
			p := fmt.Sprintf("%p", s.field(&c))
			if other, ok := fields[p]; ok {
				t.Errorf("%s and %s set the same field", s.Name, other)
			}
			fields[p] = s.Name
		}
	}
	if c := ConfigFrom(func(string) string { return "" }); len(c.problems) > 0 {
		t.Errorf("the defaults do not parse: %v", c.problems)
	}
}

// TestConfigReadsOnlyRows: every variable ConfigFrom reads is a row.
func TestConfigReadsOnlyRows(t *testing.T) {
	ConfigFrom(func(name string) string {
		if _, ok := LookupSetting(name); !ok {
			t.Errorf("ConfigFrom reads %s, which is no row of the settings table", name)
		}
		return ""
	})
}

// TestSettingRejectsBadValues: a bad value of any typed row, or one
// outside its range or choices, is a problem naming the variable.
func TestSettingRejectsBadValues(t *testing.T) {
	for _, s := range settings {
		if s.field == nil || s.Type() == "string" || s.Type() == "secret" || s.Type() == "list" {
			continue
		}
		for _, bad := range badValues(s) {
			c := ConfigFrom(func(name string) string {
				if name == s.Name {
					return bad
				}
				return ""
			})
			if !slices.ContainsFunc(c.problems, func(p string) bool { return strings.Contains(p, s.Name) }) {
				t.Errorf("%s=%q: no problem reported (%v)", s.Name, bad, c.problems)
			}
		}
	}
}

func badValues(s Setting) []string {
	out := []string{"bogus!"}
	switch s.Type() {
	case "int":
		out = append(out, "0"+s.Max+"1")
		if s.Min != "0" {
			out = append(out, "0")
		}
	case "duration":
		out = append(out, "1ns", "1000h")
	case "float":
		out = append(out, "-1", "1.5")
	}
	return out
}

// TestSettingsReadElsewhere: every environment variable a non-test Go
// file under pkg/, cmd/local and deploy/hook names in a getenv call or an
// Env… constant is a row of the table (the dev tools' own options, in
// cmd/localcloud, cmd/soak and cmd/replay, are flags of those tools).
func TestSettingsReadElsewhere(t *testing.T) {
	root := repoRoot(t)
	call := regexp.MustCompile(`(?:[Gg]etenv|\benv)\("([A-Z][A-Z0-9_]+)"`)
	constant := regexp.MustCompile(`\bEnv\w*\s*=\s*"([A-Z][A-Z0-9_]+)"`)
	found := 0
	for _, dir := range []string{"pkg", "cmd/local", "deploy/hook"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() && d.Name() == "testdata" {
				if err == nil {
					return filepath.SkipDir
				}
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, re := range []*regexp.Regexp{call, constant} {
				for _, m := range re.FindAllStringSubmatch(string(data), -1) {
					found++
					if _, ok := LookupSetting(m[1]); !ok {
						rel, _ := filepath.Rel(root, path)
						t.Errorf("%s reads %s, which is no row of the settings table (pkg/app/settings.go)", rel, m[1])
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 10 {
		t.Fatalf("found only %d variables read outside ConfigFrom: the scan is broken", found)
	}
}

// TestSettingsParse: the rules rows state — case folding, a default made
// of another setting, fallbacks in order, secrets kept as given, a
// bool's first choice meaning true.
func TestSettingsParse(t *testing.T) {
	from := func(kv ...string) Config {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return ConfigFrom(func(k string) string { return m[k] })
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"STORE folds case", from("STORE", " DynamoDB ").Store, "dynamodb"},
		{"MAIL_DIR follows DATA_DIR", from("DATA_DIR", "/tmp/x/").Mail.Dir, filepath.Join("/tmp/x", "mail")},
		{"MAIL_DIR set", from("DATA_DIR", "/tmp/x", "MAIL_DIR", "/m").Mail.Dir, "/m"},
		{"AWS_REGION first", from("AWS_REGION", "eu-west-1", "AWS_DEFAULT_REGION", "us-east-1").AWS.Region, "eu-west-1"},
		{"AWS_DEFAULT_REGION fallback", from("AWS_DEFAULT_REGION", "us-east-1").AWS.Region, "us-east-1"},
		{"MEMORY_MB from Lambda", from("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256", "FC_FUNCTION_MEMORY_SIZE", "512").MemoryMB, 256},
		{"MEMORY_MB from FC", from("FC_FUNCTION_MEMORY_SIZE", "512").MemoryMB, 512},
		{"MEMORY_MB wins", from("MEMORY_MB", "128", "FC_FUNCTION_MEMORY_SIZE", "512").MemoryMB, 128},
		{"a secret is kept as given", from("SMTP_PASSWORD", " pass word ").Mail.SMTPPassword, " pass word "},
		{"a plain value is trimmed", from("SMTP_HOST", " smtp.example ").Mail.SMTPHost, "smtp.example"},
		{"RATE_LIMITS=OFF", from("RATE_LIMITS", "OFF").Limits.PerIP, false},
		{"RATE_LIMITS default", from().Limits.PerIP, true},
		{"ALLOWED_ORIGINS", fmt.Sprint(from("ALLOWED_ORIGINS", "https://a.example/, ,https://b.example").AllowedOrigins), "[https://a.example https://b.example]"},
		{"TRUSTED_PROXIES", fmt.Sprint(from("TRUSTED_PROXIES", "10.0.0.1, 192.168.1.7/16").TrustedProxies), "[10.0.0.1/32 192.168.0.0/16]"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if c := from("STORE_CALL_TIMEOUT", "3s", "STORE_ATTEMPT_TIMEOUT", "4s"); len(c.problems) != 1 || c.problems[0] != "STORE_ATTEMPT_TIMEOUT must be a duration from 100ms to 3s, such as 2s" {
		t.Errorf("an attempt longer than its call: %q", c.problems)
	}
}

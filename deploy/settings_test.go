package deploy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/app"
)

// envBlocks collects the variables set in every function environment block
// of a descriptor: template.yml's Environment.Variables (Globals' and each
// resource's) and s.yaml's environmentVariables (its &env anchor included,
// through the aliases and merge keys that use it). It maps each variable to
// the path of a block that sets it.
func envBlocks(v any, where string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			at := where + "." + k
			var vars map[string]any
			switch k {
			case "Environment":
				vars = asMap(dig(child, "Variables"))
			case "environmentVariables":
				vars = asMap(child)
			}
			addVars(vars, at, out)
			envBlocks(child, at, out)
		}
	case []any:
		for i, child := range v {
			envBlocks(child, fmt.Sprintf("%s[%d]", where, i), out)
		}
	}
}

func addVars(vars map[string]any, at string, out map[string]string) {
	for name, val := range vars {
		if name == "<<" { // a YAML merge key: s.yaml's <<: *env
			addVars(asMap(val), at, out)
			continue
		}
		if _, ok := out[name]; !ok {
			out[name] = at
		}
	}
}

// unknownSettings names the variables of blocks that are no row of the
// settings table (pkg/app/settings.go).
func unknownSettings(blocks map[string]string) []string {
	var bad []string
	for name, at := range blocks {
		if _, ok := app.LookupSetting(name); !ok {
			bad = append(bad, name+" (in "+at+")")
		}
	}
	sort.Strings(bad)
	return bad
}

// TestDescriptorEnvironmentIsSettings: every variable template.yml and
// s.yaml set in a function's environment is a row of the settings table,
// so a typo or a removed setting fails here rather than being ignored by
// the function.
func TestDescriptorEnvironmentIsSettings(t *testing.T) {
	for _, file := range []string{"template.yml", "s.yaml"} {
		blocks := map[string]string{}
		envBlocks(loadYAML(t, file), file, blocks)
		for _, must := range []string{"STORE", "USERS_TABLE", "JWT_PUBLIC_KEYS", "JWT_SIGNING_KEYS", "SMTP_HOST"} {
			if _, ok := blocks[must]; !ok {
				t.Errorf("%s: %s not found in any environment block: the walk misses blocks", file, must)
			}
		}
		if bad := unknownSettings(blocks); len(bad) > 0 {
			t.Errorf("%s sets variables that are no setting (pkg/app/settings.go): %v", file, bad)
		}
	}
	// The check sees a typo.
	if bad := unknownSettings(map[string]string{"STORE": "x", "STOER": "x"}); len(bad) != 1 {
		t.Errorf("a misspelt STORE was not caught: %v", bad)
	}
}

// deployDefaults are the settings a descriptor deliberately deploys with
// another default than the code's, and why; every other default a
// descriptor states must be the settings table's.
var deployDefaults = map[string]string{
	"MAIL_FROM":     "a deployment sends from its own domain (example.com until set), not localhost",
	"SMTP_HOST":     "the cloud's mail service: SES on AWS, DirectMail on FC",
	"SMTP_PORT":     "FC: DirectMail's implicit-TLS port 465",
	"SMTP_SECURITY": "FC: DirectMail over implicit TLS",
}

// fcEnvDefault matches s.yaml's ${env('NAME', 'default')}.
var fcEnvDefault = regexp.MustCompile(`^\$\{env\('[A-Z0-9_]+', '([^']*)'\)\}$`)

// descriptorDefaults maps "file: VARIABLE" to the default a descriptor
// states for it: a template parameter's Default behind !Ref, or the
// fallback of s.yaml's ${env(…, 'default')}.
func descriptorDefaults(t *testing.T) map[string]string {
	out := map[string]string{}
	tmpl := loadYAML(t, "template.yml")
	var walk func(file string, v any)
	walk = func(file string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				var vars map[string]any
				switch k {
				case "Environment":
					vars = asMap(dig(child, "Variables"))
				case "environmentVariables":
					vars = asMap(child)
				}
				for name, val := range vars {
					if ref, ok := dig(val, "Ref").(string); ok && file == "template.yml" {
						if d, ok := asMap(dig(tmpl, "Parameters", ref))["Default"]; ok {
							out[file+": "+name] = fmt.Sprint(d)
						}
					}
					if s, ok := val.(string); ok {
						if m := fcEnvDefault.FindStringSubmatch(s); m != nil {
							out[file+": "+name] = m[1]
						}
					}
				}
				walk(file, child)
			}
		case []any:
			for _, child := range v {
				walk(file, child)
			}
		}
	}
	walk("template.yml", tmpl)
	walk("s.yaml", loadYAML(t, "s.yaml"))
	return out
}

// TestDescriptorDefaultsAreSettings: a default template.yml or s.yaml
// states for a setting (a parameter's Default, s.yaml's env() fallback) is
// the settings table's, unless deployDefaults says why not.
func TestDescriptorDefaultsAreSettings(t *testing.T) {
	defaults := descriptorDefaults(t)
	if len(defaults) < 5 {
		t.Fatalf("found only %d stated defaults: %v", len(defaults), defaults)
	}
	for key, d := range defaults {
		name := key[strings.Index(key, ": ")+2:]
		s, ok := app.LookupSetting(name)
		if !ok {
			continue // TestDescriptorEnvironmentIsSettings reports it
		}
		if d != s.Default && deployDefaults[name] == "" {
			t.Errorf("%s defaults to %q, the settings table to %q (pkg/app/settings.go; or say why in deployDefaults)", key, d, s.Default)
		}
	}
}

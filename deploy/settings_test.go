package deploy

import (
	"fmt"
	"sort"
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

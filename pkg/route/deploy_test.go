package route

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestEveryFunctionHasDeploy checks the rule deploys' comment states: one
// entry per function of the table and no other, each with a description
// and a policy the descriptors can be written from.
func TestEveryFunctionHasDeploy(t *testing.T) {
	names := Names(All())
	keys := slices.Sorted(maps.Keys(deploys))
	if want := slices.Sorted(slices.Values(names)); !slices.Equal(keys, want) {
		t.Fatalf("deploys has %v, want the table's functions %v", keys, want)
	}
	for _, f := range All() {
		d := f.Deploy
		if d.Description == "" || len(d.Policy) == 0 {
			t.Errorf("%s: Deploy %+v has no description or no policy", f.Name, d)
		}
		for _, g := range d.Policy {
			if !strings.HasSuffix(g.Resource, ".Arn") && !strings.HasSuffix(g.Resource, ".StreamArn") {
				t.Errorf("%s: grant on %q, want a table's Arn or StreamArn", f.Name, g.Resource)
			}
			if len(g.Actions) == 0 {
				t.Errorf("%s: grant on %s has no actions", f.Name, g.Resource)
			}
		}
	}
}

// TestDeployIsACopy checks a caller cannot change the table through the
// Deploy that All returns.
func TestDeployIsACopy(t *testing.T) {
	f, _ := Lookup("register")
	d := f.Deploy
	d.Policy[0].Actions[0] = "dynamodb:*"
	d.Policy[0].Resource = "*"
	if again, _ := Lookup("register"); again.Deploy.Policy[0].Actions[0] == "dynamodb:*" || again.Deploy.Policy[0].Resource == "*" {
		t.Fatal("Deploy shares its policy with the table")
	}
}

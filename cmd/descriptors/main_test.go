package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/todofn/todofn/pkg/route"
)

// TestDescriptorsAreCurrent fails when a generated region of template.yml
// or s.yaml differs from what the route table gives: run `make generate`.
func TestDescriptorsAreCurrent(t *testing.T) {
	for _, d := range Files() {
		t.Run(d.Path, func(t *testing.T) {
			cur := readRoot(t, d.Path)
			want, err := d.Generate(cur)
			if err != nil {
				t.Fatal(err)
			}
			if want != cur {
				t.Errorf("%s is out of date with pkg/route: run `make generate`\n%s", d.Path, firstDiff(cur, want))
			}
		})
	}
}

// TestNewRouteTouchesNoDescriptor adds a function to the table (in memory)
// and checks that generating the real files gives it everything a function
// needs on both clouds, with nothing written by hand: its SAM function with
// URL, alias alarm and policy, its place in the hook's smoke targets, its
// canary alarm and URL output, and its fc3 resource with an HTTP trigger.
func TestNewRouteTouchesNoDescriptor(t *testing.T) {
	extra := route.Function{Name: "todos-archive", Summary: "archive done todos",
		Routes: []route.Route{{Method: "POST", Pattern: "/todos/archive"}},
		Deploy: route.Deploy{Description: "POST /todos/archive", TimeoutSeconds: 20, Policy: []route.Grant{
			{Resource: "TodosTable.Arn", Actions: []string{"dynamodb:Query", "dynamodb:PutItem"}, Why: "the caller's done todos"},
		}}}
	fns := append(route.All(), extra)

	tmpl := parse(t, spliceRoot(t, "template.yml", TemplateRegions(fns)))
	res := tmpl["Resources"].(map[string]any)
	fn, ok := res["TodosArchiveFunction"].(map[string]any)
	if !ok {
		t.Fatal("template.yml has no TodosArchiveFunction")
	}
	props := fn["Properties"].(map[string]any)
	if got := props["FunctionName"]; got != "todofn-${Stage}-todos-archive" {
		t.Errorf("FunctionName = %v", got)
	}
	if props["Timeout"] != 20 || props["MemorySize"] != nil {
		t.Errorf("Timeout, MemorySize = %v, %v; want 20 and Globals' memory", props["Timeout"], props["MemorySize"])
	}
	if got := props["DeploymentPreference"].(map[string]any)["Alarms"].([]any)[0]; got != "TodosArchiveCanaryAlarm" {
		t.Errorf("DeploymentPreference.Alarms = %v, want its own canary alarm", got)
	}
	if got := props["FunctionUrlConfig"].(map[string]any)["Cors"].(map[string]any)["AllowMethods"]; len(got.([]any)) != 1 || got.([]any)[0] != "POST" {
		t.Errorf("Cors.AllowMethods = %v, want [POST]", got)
	}
	stmt := props["Policies"].([]any)[0].(map[string]any)["Statement"].([]any)
	if len(stmt) != 1 || stmt[0].(map[string]any)["Resource"] != "TodosTable.Arn" {
		t.Errorf("Policies' statements = %v, want the one grant on TodosTable", stmt)
	}
	if _, ok := res["TodosArchiveCanaryAlarm"]; !ok {
		t.Error("template.yml has no TodosArchiveCanaryAlarm")
	}
	if _, ok := tmpl["Outputs"].(map[string]any)["TodosArchiveFunctionUrl"]; !ok {
		t.Error("template.yml has no TodosArchiveFunctionUrl output")
	}
	hookEnv := res["CodeDeployHookPreTraffic"].(map[string]any)["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	targets := hookEnv["SMOKE_TARGETS"].([]any)[1].([]any)
	if last := targets[len(targets)-1]; last != "TodosArchiveFunction.Version" || len(targets) != len(route.HTTPFunctions())+1 {
		t.Errorf("SMOKE_TARGETS = %v, want every HTTP function's version, the new one last", targets)
	}

	s := parse(t, spliceRoot(t, "s.yaml", SRegions(fns)))
	r, ok := s["resources"].(map[string]any)["fn-todos-archive"].(map[string]any)
	if !ok {
		t.Fatal("s.yaml has no fn-todos-archive")
	}
	if r["component"] != FC3 {
		t.Errorf("component = %v, want %s", r["component"], FC3)
	}
	trig := r["props"].(map[string]any)["triggers"].([]any)[0].(map[string]any)
	if got := trig["triggerConfig"].(map[string]any)["methods"]; len(got.([]any)) != 2 || got.([]any)[0] != "POST" || got.([]any)[1] != "OPTIONS" {
		t.Errorf("trigger methods = %v, want [POST OPTIONS]", got)
	}
	if p := r["props"].(map[string]any); p["timeout"] != 20 || p["memorySize"] != 256 {
		t.Errorf("timeout, memorySize = %v, %v; want 20 and vars.function's 256 (its merge key)", p["timeout"], p["memorySize"])
	}
	if r["props"].(map[string]any)["functionName"] != "todofn-${vars.stage}-todos-archive" {
		t.Errorf("functionName = %v", r["props"].(map[string]any)["functionName"])
	}
}

// TestSpliceKeepsTheRest checks Splice rewrites only what lies between a
// region's markers and fails on markers it cannot pair, so a lost or
// misspelt marker cannot drop or duplicate a function silently.
func TestSpliceKeepsTheRest(t *testing.T) {
	in := "a\n  # BEGIN GENERATED x: note\n  old\n  # END GENERATED x\nb\n"
	got, err := Splice(in, map[string]string{"x": "  new\n  lines\n"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\n  # BEGIN GENERATED x: note\n  new\n  lines\n  # END GENERATED x\nb\n"; got != want {
		t.Errorf("Splice = %q, want %q", got, want)
	}
	for _, tt := range []struct{ name, in string }{
		{"no END", "# BEGIN GENERATED x\nold\n"},
		{"END without BEGIN", "old\n# END GENERATED x\n"},
		{"END of another region", "# BEGIN GENERATED x\n# END GENERATED y\n"},
		{"nested", "# BEGIN GENERATED x\n# BEGIN GENERATED x\n# END GENERATED x\n"},
		{"twice", "# BEGIN GENERATED x\n# END GENERATED x\n# BEGIN GENERATED x\n# END GENERATED x\n"},
		{"unknown region", "# BEGIN GENERATED z\n# END GENERATED z\n# BEGIN GENERATED x\n# END GENERATED x\n"},
		{"region missing", "no markers\n"},
	} {
		if _, err := Splice(tt.in, map[string]string{"x": "new\n"}); err == nil {
			t.Errorf("%s: Splice accepted %q", tt.name, tt.in)
		}
	}
}

func readRoot(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func spliceRoot(t *testing.T, path string, regions map[string]string) string {
	t.Helper()
	out, err := Splice(readRoot(t, path), regions)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// parse decodes YAML with CloudFormation's short tags (!Ref X, !GetAtt X,
// !Sub s, !Join [...]) read as their plain values.
func parse(t *testing.T, text string) map[string]any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		t.Fatal(err)
	}
	untag(&n)
	var out map[string]any
	if err := n.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func untag(n *yaml.Node) {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		n.Tag = ""
	}
	for _, c := range n.Content {
		untag(c)
	}
}

// firstDiff shows the first line where got and want part.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  file: %s\n  want: %s", i+1, a, b)
		}
	}
	return ""
}

// TestOneFC3Version checks the rule FC3's comment states: the generated
// resources and the hand-written ones of s.yaml pin the same fc3 version.
func TestOneFC3Version(t *testing.T) {
	s := parse(t, readRoot(t, "s.yaml"))
	n := 0
	for name, r := range s["resources"].(map[string]any) {
		n++
		if c := r.(map[string]any)["component"]; c != FC3 {
			t.Errorf("s.yaml %s: component %v, want %s (cmd/descriptors' FC3)", name, c, FC3)
		}
	}
	if n != len(route.All()) {
		t.Errorf("s.yaml has %d resources, want one per function (%d)", n, len(route.All()))
	}
}

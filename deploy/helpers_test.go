package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/todofn/todofn/pkg/route"
)

// root is the repository root (this package lives one level below it).
var root = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Dir(wd)
}()

func path(parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }

// requireServices reports whether a missing tool fails the test instead
// of skipping it (CI and `make test` set TODOFN_REQUIRE_SERVICES=1).
func requireServices() bool { return os.Getenv("TODOFN_REQUIRE_SERVICES") == "1" }

// missing skips or fails the test for a tool or file that is not here.
func missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if requireServices() {
		tb.Fatalf("%s (TODOFN_REQUIRE_SERVICES=1)", msg)
	}
	tb.Skip(msg)
}

// schemaDir is ../shared/schemas beside the repository, or the test is
// skipped, even under TODOFN_REQUIRE_SERVICES: the schemas are data of the
// workspace (CI has them), not a tool a clone can install.
func schemaDir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(filepath.Dir(root), "shared", "schemas")
	if _, err := os.Stat(filepath.Join(dir, "sam.schema.json")); err != nil {
		tb.Skipf("no JSON schemas at %s (a clone outside the workspace has no ../shared): %v", dir, err)
	}
	return dir
}

// cfnTags maps CloudFormation's short-form tags to their long form.
var cfnTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr",
	"!FindInMap": "Fn::FindInMap", "!GetAtt": "Fn::GetAtt", "!GetAZs": "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform",
	"!And": "Fn::And", "!Equals": "Fn::Equals", "!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or",
}

// cfnValue decodes a YAML node as CloudFormation does: short-form tags
// (!Ref X, !GetAtt A.B, !Sub ...) become {"Ref": X}, {"Fn::GetAtt": [A, B]},
// {"Fn::Sub": ...}; merge keys and anchors are resolved by yaml.v3.
func cfnValue(n *yaml.Node) (any, error) {
	if n.Kind == yaml.DocumentNode {
		return cfnValue(n.Content[0])
	}
	if n.Kind == yaml.AliasNode {
		return cfnValue(n.Alias)
	}
	if long, ok := cfnTags[n.Tag]; ok {
		plain := *n
		plain.Tag = ""
		switch n.Kind {
		case yaml.ScalarNode:
			plain.Tag = "!!str"
		case yaml.SequenceNode:
			plain.Tag = "!!seq"
		case yaml.MappingNode:
			plain.Tag = "!!map"
		}
		v, err := cfnValue(&plain)
		if err != nil {
			return nil, err
		}
		if long == "Fn::GetAtt" {
			if s, ok := v.(string); ok {
				res, attr, _ := strings.Cut(s, ".")
				v = []any{res, attr}
			}
		}
		return map[string]any{long: v}, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				merged, err := cfnValue(vn)
				if err != nil {
					return nil, err
				}
				mm, ok := merged.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("line %d: merge of a non-map", k.Line)
				}
				for mk, mv := range mm {
					if _, set := m[mk]; !set {
						m[mk] = mv
					}
				}
				continue
			}
			v, err := cfnValue(vn)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := cfnValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	return v, nil
}

// loadYAML reads a YAML file with cfnValue's decoding.
func loadYAML(tb testing.TB, name string) map[string]any {
	tb.Helper()
	data, err := os.ReadFile(path(name))
	if err != nil {
		tb.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	v, err := cfnValue(&doc)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		tb.Fatalf("%s: not a map at the top", name)
	}
	return m
}

// functionNames is every function of the route table (pkg/route), the one
// list the Makefile (through functions.mk), the scripts and these tests use.
func functionNames() []string { return route.Names(route.All()) }

// logicalID is a function's resource name in template.yml: todos-list ->
// TodosListFunction (route.Function.LogicalID).
func logicalID(fn string) string { return route.Function{Name: fn}.LogicalID() }

// dig walks maps by key; it returns nil where a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// tool finds an executable: $envVar, then the repository's node_modules/.bin,
// then PATH. It returns "" when there is none.
func tool(envVar, name string) string {
	if p := os.Getenv(envVar); p != "" {
		return p
	}
	if p := path("node_modules", ".bin", name); isExec(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// run runs a command in the repository root and returns its stdout; a
// failure fails the test with its stderr.
func run(tb testing.TB, env []string, name string, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

func lookPath(name string) (string, error) { return exec.LookPath(name) }

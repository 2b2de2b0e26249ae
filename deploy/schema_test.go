package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles one definition (or the root, for ref "") of a
// schema file in the shared schemas folder.
func compileSchema(tb testing.TB, file, ref string) *jsonschema.Schema {
	tb.Helper()
	dir := schemaDir(tb)
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(regexpEngine)
	url := "file:///schemas/" + file
	if err := c.AddResource(url, doc); err != nil {
		tb.Fatal(err)
	}
	if ref != "" {
		url += "#/definitions/" + ref
	}
	s, err := c.Compile(url)
	if err != nil {
		tb.Fatalf("compile %s: %v", url, err)
	}
	return s
}

// lookahead is the one regular expression form in sam.schema.json that Go's
// RE2 cannot compile: "^(?!AWS::Serverless::).+$" (any type but SAM's).
var lookahead = regexp.MustCompile(`^\^\(\?!([A-Za-z0-9:_-]+)\)\.\+\$$`)

// notPrefixed matches a non-empty string that does not start with prefix.
type notPrefixed struct{ src, prefix string }

func (n notPrefixed) MatchString(s string) bool { return s != "" && !strings.HasPrefix(s, n.prefix) }
func (n notPrefixed) String() string            { return n.src }

// regexpEngine is Go's regexp plus the negative-lookahead form above.
func regexpEngine(s string) (jsonschema.Regexp, error) {
	re, err := regexp.Compile(s)
	if err == nil {
		return re, nil
	}
	if m := lookahead.FindStringSubmatch(s); m != nil {
		return notPrefixed{s, m[1]}, nil
	}
	return nil, err
}

// jsonInstance turns a decoded YAML value into the JSON values the
// validator expects (numbers as json.Number).
func jsonInstance(tb testing.TB, v any) any {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return inst
}

// samDefinition names the sam.schema.json definition of a resource type:
// AWS::Serverless::Function -> samtranslator__internal__schema_source__aws_serverless_function__Resource.
func samDefinition(typ string) string {
	name := strings.ToLower(strings.TrimPrefix(typ, "AWS::Serverless::"))
	return "samtranslator__internal__schema_source__aws_serverless_" + name + "__Resource"
}

func TestTemplateMatchesSAMSchema(t *testing.T) {
	tmpl := loadYAML(t, "template.yml")
	t.Run("Globals", func(t *testing.T) {
		s := compileSchema(t, "sam.schema.json", "__main____Globals")
		if err := s.Validate(jsonInstance(t, tmpl["Globals"])); err != nil {
			t.Errorf("Globals: %v", err)
		}
	})
	resources := asMap(tmpl["Resources"])
	names := make([]string, 0, len(resources))
	for name := range resources {
		names = append(names, name)
	}
	sort.Strings(names)
	serverless := 0
	for _, name := range names {
		typ, _ := dig(resources[name], "Type").(string)
		if !strings.HasPrefix(typ, "AWS::Serverless::") {
			continue // the schema holds only SAM's own types
		}
		serverless++
		t.Run(name, func(t *testing.T) {
			s := compileSchema(t, "sam.schema.json", samDefinition(typ))
			if err := s.Validate(jsonInstance(t, resources[name])); err != nil {
				t.Errorf("%s (%s): %v", name, typ, err)
			}
		})
	}
	if serverless != len(functionNames())+1 {
		t.Errorf("template.yml has %d AWS::Serverless resources, want one per function (%d) and the pre-traffic hook", serverless, len(functionNames()))
	}
	t.Run("whole template", func(t *testing.T) {
		s := compileSchema(t, "sam.schema.json", "")
		if err := s.Validate(jsonInstance(t, tmpl)); err != nil {
			t.Errorf("template.yml: %v", err)
		}
	})
}

// fcEnv is a complete deployer environment for rendering s.yaml, as docs/deploy.md sets it.
var fcEnv = map[string]string{
	"FC_REGION":           "cn-hangzhou",
	"STAGE":               "test",
	"TABLESTORE_INSTANCE": "todofn",
	"TABLESTORE_ENDPOINT": "https://todofn.cn-hangzhou.ots.aliyuncs.com",
	"APP_URL":             "https://todofn-web.oss-cn-hangzhou.aliyuncs.com/index.html",
	"ALLOWED_ORIGINS":     "https://todofn-web.oss-cn-hangzhou.aliyuncs.com",
	"JWT_SIGNING_KEYS":    testSigningKeys,
	"JWT_PUBLIC_KEYS":     testPublicKeys,
	"APP_SECRET":          "YXBwLXNlY3JldC1hcHAtc2VjcmV0LWFwcC1zZWNyZXQtYXBwLXNlY3JldA",
	"SMTP_USERNAME":       "no-reply@mail.example.com",
	"SMTP_PASSWORD":       "smtp-password",
	"VERIFY_URL":          "https://todofn-test-verify-abcdef.cn-hangzhou.fcapp.run/verify",
}

const fcAccountID = "1234567890123456"

var magic = regexp.MustCompile(`\$\{\s*([^{}]+?)\s*\}`)
var envCall = regexp.MustCompile(`^env\(\s*'([^']+)'\s*(?:,\s*'([^']*)'\s*)?\)$`)

// renderS resolves the Serverless Devs magic variables s.yaml uses:
// ${vars.NAME}, ${env('NAME')}, ${env('NAME', 'default')} and
// ${config('AccountID')}. Like s, it fails on an unset variable without a
// default.
func renderS(v any, vars map[string]any, env map[string]string) (any, error) {
	switch x := v.(type) {
	case string:
		var err error
		out := magic.ReplaceAllStringFunc(x, func(m string) string {
			expr := magic.FindStringSubmatch(m)[1]
			switch {
			case strings.HasPrefix(expr, "vars."):
				val, ok := vars[strings.TrimPrefix(expr, "vars.")]
				if !ok {
					err = fmt.Errorf("%s: no such var", m)
				}
				return fmt.Sprint(val)
			case expr == "config('AccountID')":
				return fcAccountID
			}
			if e := envCall.FindStringSubmatch(expr); e != nil {
				if val, ok := env[e[1]]; ok {
					return val
				}
				if strings.Contains(expr, ",") {
					return e[2]
				}
				err = fmt.Errorf("%s: environment variable %s is not set", m, e[1])
				return ""
			}
			err = fmt.Errorf("%s: not a magic variable this test knows", m)
			return m
		})
		return out, err
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			r, err := renderS(e, vars, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := renderS(e, vars, env)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// renderVars resolves the vars, which may use one another, in a few passes.
func renderVars(raw map[string]any, env map[string]string) (map[string]any, error) {
	vars := map[string]any{}
	for k, v := range raw {
		vars[k] = v
	}
	for range 5 {
		next := map[string]any{}
		for k, v := range vars {
			r, err := renderS(v, vars, env)
			if err != nil {
				return nil, fmt.Errorf("vars.%s: %w", k, err)
			}
			next[k] = r
		}
		vars = next
	}
	b, _ := json.Marshal(vars)
	if bytes.Contains(b, []byte("${")) {
		return nil, fmt.Errorf("vars still hold magic variables after 5 passes: %s", b)
	}
	return vars, nil
}

// renderedS is s.yaml with its variables resolved for env: the vars first
// (they use only env and config), then every resource.
func renderedS(tb testing.TB, env map[string]string) map[string]any {
	tb.Helper()
	doc := loadYAML(tb, "s.yaml")
	vars, err := renderVars(asMap(doc["vars"]), env)
	if err != nil {
		tb.Fatalf("s.yaml: %v", err)
	}
	out := map[string]any{}
	for k, v := range doc {
		r, err := renderS(v, vars, env)
		if err != nil {
			tb.Fatalf("s.yaml %s: %v", k, err)
		}
		out[k] = r
	}
	return out
}

func TestSYAMLMatchesFC3Schema(t *testing.T) {
	s := compileSchema(t, "fc3-props.schema.json", "")
	for _, runtime := range []string{"go1", "custom.debian12"} {
		env := map[string]string{"FC_RUNTIME": runtime}
		for k, v := range fcEnv {
			env[k] = v
		}
		doc := renderedS(t, env)
		if doc["edition"] != "3.0.0" {
			t.Errorf("s.yaml edition = %v, want 3.0.0", doc["edition"])
		}
		for name, res := range asMap(doc["resources"]) {
			t.Run(runtime+"/"+name, func(t *testing.T) {
				if c, _ := dig(res, "component").(string); !regexp.MustCompile(`^fc3@\d+\.\d+\.\d+$`).MatchString(c) {
					t.Errorf("component = %v, want fc3 pinned to a version (fc3@X.Y.Z)", c)
				}
				if err := s.Validate(jsonInstance(t, dig(res, "props"))); err != nil {
					t.Errorf("props: %v", err)
				}
			})
		}
	}
}

func TestSYAMLNeedsEverySecretFromTheEnvironment(t *testing.T) {
	doc := loadYAML(t, "s.yaml")
	for _, secret := range []string{"JWT_SIGNING_KEYS", "JWT_PUBLIC_KEYS", "APP_SECRET", "SMTP_PASSWORD"} {
		env := map[string]string{}
		for k, v := range fcEnv {
			if k != secret {
				env[k] = v
			}
		}
		vars, err := renderVars(asMap(doc["vars"]), env)
		if err == nil {
			_, err = renderS(doc["resources"], vars, env)
		}
		if err == nil || !strings.Contains(err.Error(), secret) {
			t.Errorf("rendering s.yaml without %s: err = %v, want it to name the variable", secret, err)
		}
	}
}

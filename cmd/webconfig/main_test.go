package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/route"
)

// samOutputs is what `sam list stack-outputs --output json` prints for
// template.yml's outputs (URLs end in "/").
func samOutputs() string {
	var outs []map[string]string
	for _, f := range route.Names(route.HTTPFunctions()) {
		outs = append(outs, map[string]string{"OutputKey": OutputKey(f),
			"OutputValue": "https://" + strings.ReplaceAll(f, "-", "") + "abc.lambda-url.eu-west-1.on.aws/", "Description": f})
	}
	outs = append(outs, map[string]string{"OutputKey": "UsersTableName", "OutputValue": "todofn-test-users"})
	b, _ := json.Marshal(outs)
	return string(b)
}

// sInfo is what `s info -o json` prints for s.yaml: one entry per
// resource, with the FC3 GetTrigger body of each trigger.
func sInfo() string {
	res := map[string]any{}
	for _, f := range append(append([]string{}, route.Names(route.HTTPFunctions())...), "mailer") {
		trig := map[string]any{"triggerName": "http", "triggerType": "http", "qualifier": "live",
			"httpTrigger": map[string]any{"urlInternet": "https://todofn-test-" + f + "-xyz.cn-hangzhou.fcapp.run", "urlIntranet": "https://x-vpc"}}
		if f == "mailer" {
			trig = map[string]any{"triggerName": "users-stream", "triggerType": "tablestore"}
		}
		res["fn-"+f] = map[string]any{"region": "cn-hangzhou", "function": map[string]any{"functionName": "todofn-test-" + f},
			"triggers": []any{trig}}
	}
	b, _ := json.Marshal(res)
	return "[2026-11-27][WARN][s_cli] a line before the JSON is ignored\n" + string(b)
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name, cloud, in, url string
	}{
		{"sam outputs", "aws", samOutputs(), "https://todoslistabc.lambda-url.eu-west-1.on.aws"},
		{"describe-stacks", "aws", `{"Stacks":[{"Outputs":` + samOutputs() + `}]}`, "https://todoslistabc.lambda-url.eu-west-1.on.aws"},
		{"s info", "fc", sInfo(), "https://todofn-test-todos-list-xyz.cn-hangzhou.fcapp.run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "config.json")
			if err := run(tc.cloud, out, "", strings.NewReader(tc.in), nil); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var cfg struct{ Functions map[string]string }
			if err := json.Unmarshal(data, &cfg); err != nil {
				t.Fatal(err)
			}
			if len(cfg.Functions) != len(route.Names(route.HTTPFunctions())) {
				t.Errorf("%d functions, want %d: %s", len(cfg.Functions), len(route.Names(route.HTTPFunctions())), data)
			}
			for f, u := range cfg.Functions {
				if strings.HasSuffix(u, "/") || !strings.HasPrefix(u, "https://") {
					t.Errorf("%s: URL %q, want https and no trailing slash", f, u)
				}
			}
			if cfg.Functions["todos-list"] != tc.url {
				t.Errorf("todos-list = %q, want %q", cfg.Functions["todos-list"], tc.url)
			}
			var one bytes.Buffer
			if err := run(tc.cloud, "", "verify", strings.NewReader(tc.in), &one); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(one.String()); got != cfg.Functions["verify"] {
				t.Errorf("-url verify printed %q, want %q", got, cfg.Functions["verify"])
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	partial := strings.Replace(samOutputs(), OutputKey("login"), "SomethingElse", 1)
	for _, tc := range []struct{ name, cloud, in, url, want string }{
		{"unknown cloud", "gcp", "{}", "", "-cloud must be aws or fc"},
		{"not JSON", "aws", "Error: Stack todofn-test does not exist", "", "not the JSON"},
		{"a function missing", "aws", partial, "", "no URL for login"},
		{"unknown function", "fc", sInfo(), "mailer", `no URL for function "mailer"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tc.cloud, "-", tc.url, strings.NewReader(tc.in), &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func ExampleOutputKey() {
	fmt.Println(OutputKey("todos-list"))
	// Output: TodosListFunctionUrl
}

// Command webconfig turns a deployed stack's description into the web app's
// config.json: {"functions":{"register":URL,...}}, one URL per HTTP
// function, without a trailing slash. It reads JSON on stdin:
//
//   - -cloud aws: the output of `sam list stack-outputs --output json` (or
//     of `aws cloudformation describe-stacks`), whose <Fn>FunctionUrl
//     outputs template.yml defines (todos-list -> TodosListFunctionUrl);
//   - -cloud fc: the output of `s info -o json` for s.yaml, one entry per
//     function resource with its HTTP trigger's internet URL.
//
// With -url NAME it prints that one function's URL instead (to set the
// mailer's VERIFY_URL on Function Compute).
//
//	sam list stack-outputs --stack-name todofn-test --output json | webconfig -cloud aws -o web/config.json
//	s info -t s.yaml -o json | webconfig -cloud fc -url verify
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/todofn/todofn/internal/webconfig"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	cloud := flag.String("cloud", "", "aws (sam list stack-outputs) or fc (s info)")
	out := flag.String("o", "-", "file to write config.json to; - for stdout")
	one := flag.String("url", "", "print only this function's URL")
	flag.Parse()
	if err := run(*cloud, *out, *one, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "webconfig: %v\n", err)
		os.Exit(1)
	}
}

func run(cloud, out, one string, in io.Reader, stdout io.Writer) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	data = skipLogLines(data)
	var urls map[string]string
	switch cloud {
	case "aws":
		urls, err = fromSAM(data)
	case "fc":
		urls, err = fromFC(data)
	default:
		return fmt.Errorf("-cloud must be aws or fc, not %q", cloud)
	}
	if err != nil {
		return err
	}
	if one != "" {
		u, ok := urls[one]
		if !ok {
			return fmt.Errorf("no URL for function %q", one)
		}
		_, err := fmt.Fprintln(stdout, u)
		return err
	}
	var missing []string
	for _, f := range route.Names(route.HTTPFunctions()) {
		if urls[f] == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no URL for %s (is every function deployed?)", strings.Join(missing, ", "))
	}
	b := webconfig.New(urls, "").JSON()
	if out == "-" || out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// skipLogLines drops the lines before the JSON document: s prints a
// warning or two on stdout first ("[2026-...][WARN] ..." when run as root).
func skipLogLines(data []byte) []byte {
	for off := 0; off < len(data); {
		if json.Valid(data[off:]) {
			return data[off:]
		}
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	return data
}

// OutputKey is the template.yml output holding a function's URL:
// "todos-list" -> "TodosListFunctionUrl".
func OutputKey(function string) string {
	return route.Function{Name: function}.LogicalID() + "Url"
}

type output struct {
	OutputKey   string `json:"OutputKey"`
	OutputValue string `json:"OutputValue"`
}

// fromSAM reads `sam list stack-outputs --output json` (a list of outputs)
// or `aws cloudformation describe-stacks` ({"Stacks":[{"Outputs":[...]}]}).
func fromSAM(data []byte) (map[string]string, error) {
	var outs []output
	if err := json.Unmarshal(data, &outs); err != nil {
		var stacks struct {
			Stacks []struct{ Outputs []output }
		}
		if err2 := json.Unmarshal(data, &stacks); err2 != nil || len(stacks.Stacks) != 1 {
			return nil, fmt.Errorf("stdin is not the JSON of `sam list stack-outputs --output json`: %v", err)
		}
		outs = stacks.Stacks[0].Outputs
	}
	byKey := map[string]string{}
	for _, o := range outs {
		byKey[o.OutputKey] = o.OutputValue
	}
	urls := map[string]string{}
	for _, f := range route.Names(route.HTTPFunctions()) {
		if v := byKey[OutputKey(f)]; v != "" {
			urls[f] = strings.TrimRight(v, "/")
		}
	}
	return urls, nil
}

// fromFC reads `s info -o json`: {"<resource>": {"function": {...},
// "triggers": [{"triggerType": "http", "httpTrigger": {"urlInternet":
// ...}}]}}. A resource is matched to a function by its name in s.yaml
// (fn-<function>, or the function's own name), or
// else by a function name ending in "-<function>". Where a function has
// several HTTP triggers, the one bound to the `live` alias wins.
func fromFC(data []byte) (map[string]string, error) {
	var res map[string]json.RawMessage
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("stdin is not the JSON of `s info -o json`: %v", err)
	}
	type trigger struct {
		TriggerType string          `json:"triggerType"`
		Qualifier   string          `json:"qualifier"`
		URLInternet string          `json:"urlInternet"`
		HTTPTrigger json.RawMessage `json:"httpTrigger"`
	}
	var info struct {
		Function struct {
			FunctionName string `json:"functionName"`
		} `json:"function"`
		Triggers []trigger `json:"triggers"`
	}
	names := make([]string, 0, len(res))
	for name := range res {
		names = append(names, name)
	}
	sort.Strings(names)
	urls := map[string]string{}
	var errs []error
	for _, name := range names {
		info.Function.FunctionName, info.Triggers = "", nil
		if err := json.Unmarshal(res[name], &info); err != nil {
			errs = append(errs, fmt.Errorf("resource %s: %v", name, err))
			continue
		}
		fn := matchFunction(name, info.Function.FunctionName)
		if fn == "" {
			continue
		}
		best, bestLive := "", false
		for _, t := range info.Triggers {
			if t.TriggerType != "http" {
				continue
			}
			u := t.URLInternet
			if u == "" && len(t.HTTPTrigger) > 0 {
				var h struct {
					URLInternet string `json:"urlInternet"`
				}
				_ = json.Unmarshal(t.HTTPTrigger, &h)
				u = h.URLInternet
			}
			if u == "" {
				continue
			}
			live := t.Qualifier == "live"
			if best == "" || (live && !bestLive) {
				best, bestLive = u, live
			}
		}
		if best != "" {
			urls[fn] = strings.TrimRight(best, "/")
		}
	}
	return urls, errors.Join(errs...)
}

func matchFunction(resource, functionName string) string {
	for _, f := range route.Names(route.HTTPFunctions()) {
		if resource == f || resource == "fn-"+f {
			return f
		}
	}
	for _, f := range route.Names(route.HTTPFunctions()) {
		if functionName != "" && strings.HasSuffix(functionName, "-"+f) {
			return f
		}
	}
	return ""
}

package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/todofn/todofn/pkg/route"
)

const openAPIFile = "../api/openapi.yaml"

// openAPI is the document as JSON values, and its schemas compiled.
type openAPI struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
}

func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var y any
	if err := yaml.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(y) // YAML's values as JSON's
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	m, _ := doc.(map[string]any)
	if m["openapi"] != "3.1.0" {
		t.Fatalf("openapi: %v, want 3.1.0", m["openapi"])
	}
	return &openAPI{doc: m, compiler: c}
}

func (o *openAPI) operation(pattern, method string) map[string]any {
	paths, _ := o.doc["paths"].(map[string]any)
	item, _ := paths[pattern].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	return op
}

// TestOpenAPICoversTheRouteTable: the document has an operation for each
// route of the route table and none besides.
func TestOpenAPICoversTheRouteTable(t *testing.T) {
	o := loadOpenAPI(t)
	n := 0
	for _, f := range route.HTTPFunctions() {
		for _, r := range f.Routes {
			n++
			if o.operation(r.Pattern, r.Method) == nil {
				t.Errorf("%s %s (%s) is not in %s", r.Method, r.Pattern, f.Name, openAPIFile)
			}
		}
	}
	ops := 0
	for _, item := range o.doc["paths"].(map[string]any) {
		for k := range item.(map[string]any) {
			if k != "parameters" {
				ops++
			}
		}
	}
	if ops != n {
		t.Errorf("%s has %d operations; the route table has %d routes", openAPIFile, ops, n)
	}
}

func escape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// schemaFor is the JSON pointer of the JSON schema of an answer, following
// a $ref to a shared response; "" when the status is not documented, "-"
// when it is but without a JSON body.
func (o *openAPI) schemaFor(pattern, method string, status int) string {
	ptr := "#/paths/" + escape(pattern) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(status)
	res, _ := o.operation(pattern, method)["responses"].(map[string]any)
	r, ok := res[strconv.Itoa(status)].(map[string]any)
	if !ok {
		return ""
	}
	if ref, ok := r["$ref"].(string); ok {
		ptr = ref
		r, _ = o.doc["components"].(map[string]any)["responses"].(map[string]any)[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
	}
	content, _ := r["content"].(map[string]any)
	if _, ok := content["application/json"]; !ok {
		return "-"
	}
	return ptr + "/content/application~1json/schema"
}

// answer is one real answer seen through the recording proxy.
type answer struct {
	method, path string
	status       int
	contentType  string
	body         []byte
}

// recordingProxy forwards to base and keeps every answer.
func recordingProxy(t *testing.T, base string) (string, func() []answer) {
	target, _ := url.Parse(base)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var seen []answer
	proxy.ModifyResponse = func(res *http.Response) error {
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		res.Body = io.NopCloser(bytes.NewReader(b))
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, answer{res.Request.Method, res.Request.URL.Path, res.StatusCode, res.Header.Get("Content-Type"), b})
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL, func() []answer { mu.Lock(); defer mu.Unlock(); return append([]answer(nil), seen...) }
}

// TestOpenAPIMatchesRealAnswers runs the whole user journey (the session
// journey included) against the local server and checks each API answer
// against the document: a documented status, and a body its schema allows.
// An error status an operation does not list must still be the error
// envelope.
func TestOpenAPIMatchesRealAnswers(t *testing.T) {
	o := loadOpenAPI(t)
	data := t.TempDir()
	port := freePort(t)
	origin := "http://127.0.0.1:" + port
	base := start(t, "local", port, "DATA_DIR="+data, "APP_URL="+origin+"/",
		"ALLOWED_ORIGINS=http://app.e2e.example", "RATE_LIMITS=off")
	front, seen := recordingProxy(t, base)
	urls := map[string]string{}
	for _, f := range functions {
		urls[f] = front
	}
	s := system{url: urls, mail: dirMail(filepath.Join(data, "mail"))}
	runFlow(t, s, origin+"/") // the session journey too

	mux := http.NewServeMux()
	for _, f := range route.HTTPFunctions() {
		for _, r := range f.Routes {
			mux.Handle(r.Method+" "+r.Pattern, http.NotFoundHandler())
		}
	}
	errorSchema, err := o.compiler.Compile("openapi.json#/components/schemas/Error")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, a := range seen() {
		req, _ := http.NewRequest(a.method, a.path, nil)
		_, pattern := mux.Handler(req)
		method, path, _ := strings.Cut(pattern, " ")
		if pattern == "" || !strings.HasPrefix(pattern, a.method+" ") || o.operation(path, method) == nil {
			if a.status >= 400 && len(a.body) > 0 {
				validate(t, errorSchema, a)
			}
			continue
		}
		checked++
		switch ptr := o.schemaFor(path, method, a.status); {
		case ptr == "" && a.status >= 400:
			t.Logf("%s %s: %d is not listed for the operation; checked as an error", a.method, a.path, a.status)
			validate(t, errorSchema, a)
		case ptr == "":
			t.Errorf("%s %s answered %d, which %s does not list", a.method, a.path, a.status, openAPIFile)
		case ptr == "-":
			if len(a.body) > 0 && strings.HasPrefix(a.contentType, "application/json") {
				t.Errorf("%s %s %d: a JSON body the document does not describe: %s", a.method, a.path, a.status, a.body)
			}
		default:
			sch, err := o.compiler.Compile("openapi.json" + ptr)
			if err != nil {
				t.Fatalf("%s: %v", ptr, err)
			}
			validate(t, sch, a)
		}
	}
	if checked < 40 {
		t.Fatalf("only %d answers of documented operations seen", checked)
	}
}

func validate(t *testing.T, sch *jsonschema.Schema, a answer) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.body))
	if err != nil {
		t.Errorf("%s %s %d: not JSON: %q", a.method, a.path, a.status, a.body)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s %s %d: %s does not match the document: %v", a.method, a.path, a.status, a.body, err)
	}
}

// oasdiffVersion is the version `make api-compat` runs (the Makefile's
// OASDIFF line), so the test and the gate run the same oasdiff.
func oasdiffVersion(t *testing.T) string {
	b, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^OASDIFF \?= (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("the Makefile has no OASDIFF ?= line")
	}
	return string(m[1])
}

// TestOpenAPIBreakingChangeFails: oasdiff finds no breaking change between
// the document and itself, and fails on a todo whose done is renamed.
func TestOpenAPIBreakingChangeFails(t *testing.T) {
	oasdiff := oasdiffVersion(t)
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	renamed := strings.Replace(strings.Replace(string(b),
		"required: [id, title, done, createdAt, updatedAt]", "required: [id, title, isDone, createdAt, updatedAt]", 1),
		"        done: {type: boolean}\n        createdAt", "        isDone: {type: boolean}\n        createdAt", 1)
	if renamed == string(b) {
		t.Fatal("the test's change no longer applies to the document")
	}
	candidate := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(candidate, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(next string) (string, error) {
		cmd := exec.Command("go", "run", oasdiff, "breaking", "--fail-on", "ERR", openAPIFile, next)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(openAPIFile)
	if err != nil {
		if os.Getenv("TODOFN_REQUIRE_SERVICES") == "" {
			t.Skipf("oasdiff (%s) does not run here: %v\n%s", oasdiff, err, out)
		}
		t.Fatalf("oasdiff of the document against itself: %v\n%s", err, out)
	}
	out, err = run(candidate)
	if err == nil || !strings.Contains(out, "response-required-property-removed") || !strings.Contains(out, "PATCH /todos/{id}") {
		t.Fatalf("a renamed done passed the gate (%v):\n%s", err, out)
	}
}

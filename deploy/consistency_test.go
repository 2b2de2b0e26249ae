package deploy

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/route"
)

// testSigningKeys and testPublicKeys are one ES256 pair (`go run
// ./cmd/jwks -new k1`), made for these tests only.
const (
	testSigningKeys = "k1=MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgr4oRaboS4fZNE3O_KufnT9Qwlzg7zV-EwN8iOAlHixKhRANCAAQ0NgIdw9UzLR_cahkg1h4FoWarDEeMq7KagMaroh02mwLLcU_EXWdFzXIdoC8JI5ev6xPdo7z5sOFNdA2B5nP-"
	testPublicKeys  = "k1=MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAENDYCHcPVMy0f3GoZINYeBaFmqwxHjKuymoDGq6IdNpsCy3FPxF1nRc1yHaAvCSOXr-sT3aO8-bDhTXQNgeZz_g"
)

// awsParams are the values a first deploy gives the parameters without a default.
var awsParams = map[string]string{
	"AppUrl":         "https://todofn-web.s3-website-eu-west-1.amazonaws.com/",
	"AllowedOrigins": "https://todofn-web.s3-website-eu-west-1.amazonaws.com",
	"JwtSigningKeys": testSigningKeys,
	"JwtPublicKeys":  testPublicKeys,
	"AppSecret":      "YXBwLXNlY3JldC1hcHAtc2VjcmV0LWFwcC1zZWNyZXQtYXBwLXNlY3JldA",
	"SmtpUsername":   "AKIAEXAMPLE",
	"SmtpPassword":   "smtp-password",
	"ReleaseId":      "r0",
}

// cfn evaluates the intrinsic functions template.yml uses, for one
// deployment: parameters take their default or awsParams, a table's Ref is
// its TableName, a function's URL is a made-up function URL.
type cfn struct {
	tmpl map[string]any
}

func (c cfn) param(name string) (string, bool) {
	if v, ok := awsParams[name]; ok {
		return v, true
	}
	p := asMap(dig(c.tmpl, "Parameters", name))
	if p == nil {
		return "", false
	}
	if d, ok := p["Default"]; ok {
		return fmt.Sprint(d), true
	}
	return "", true
}

func (c cfn) ref(name string) string {
	switch name {
	case "AWS::Region":
		return "eu-west-1"
	case "AWS::AccountId":
		return "123456789012"
	}
	if v, ok := c.param(name); ok {
		return v
	}
	res := asMap(dig(c.tmpl, "Resources", name))
	if res == nil {
		return "<no " + name + ">"
	}
	for _, p := range []string{"TableName", "FunctionName", "QueueName"} {
		if v := dig(res, "Properties", p); v != nil {
			return c.eval(v)
		}
	}
	return name
}

func (c cfn) getAtt(res, attr string) string {
	if strings.HasSuffix(res, "FunctionUrl") && attr == "FunctionUrl" {
		return "https://" + strings.ToLower(strings.TrimSuffix(res, "FunctionUrl")) + "0123456789.lambda-url.eu-west-1.on.aws/"
	}
	return "arn:aws:fake:::" + res + "/" + attr
}

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9:.]+)\}`)

func (c cfn) eval(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		return strings.Join(asStrings(x), ",")
	case map[string]any:
		for fn, arg := range x {
			switch fn {
			case "Ref":
				return c.ref(fmt.Sprint(arg))
			case "Fn::GetAtt":
				a := asStrings(arg)
				return c.getAtt(a[0], a[1])
			case "Fn::Sub":
				return subVar.ReplaceAllStringFunc(fmt.Sprint(arg), func(m string) string {
					name := subVar.FindStringSubmatch(m)[1]
					if res, attr, ok := strings.Cut(name, "."); ok {
						return c.getAtt(res, attr)
					}
					return c.ref(name)
				})
			case "Fn::Join":
				a := arg.([]any)
				parts := []string{}
				switch l := a[1].(type) {
				case []any:
					for _, p := range l {
						parts = append(parts, c.eval(p))
					}
				default:
					parts = append(parts, c.eval(l))
				}
				return strings.Join(parts, fmt.Sprint(a[0]))
			case "Fn::If":
				a := arg.([]any)
				if c.cond(fmt.Sprint(a[0])) {
					return c.eval(a[1])
				}
				return c.eval(a[2])
			}
		}
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func (c cfn) cond(name string) bool {
	eq, ok := dig(c.tmpl, "Conditions", name, "Fn::Equals").([]any)
	if !ok {
		panic("condition " + name + " is not an Fn::Equals this test knows")
	}
	return c.eval(eq[0]) == c.eval(eq[1])
}

// lambdaEnv is what a function of template.yml sees: Globals' variables,
// its own, and those Lambda sets.
func (c cfn) lambdaEnv(fn string) map[string]string {
	env := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
	}
	for _, vars := range []any{
		dig(c.tmpl, "Globals", "Function", "Environment", "Variables"),
		dig(c.tmpl, "Resources", logicalID(fn), "Properties", "Environment", "Variables"),
	} {
		for k, v := range asMap(vars) {
			env[k] = c.eval(v)
		}
	}
	return env
}

// fcEnvOf is what a function of s.yaml sees: its environmentVariables and
// the role's temporary key that Function Compute passes in.
func fcEnvOf(res any) map[string]string {
	env := map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.example", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret",
		"ALIBABA_CLOUD_SECURITY_TOKEN": "token", "FC_RUNTIME_API": "127.0.0.1:9000",
	}
	for k, v := range asMap(dig(res, "props", "environmentVariables")) {
		env[k] = fmt.Sprint(v)
	}
	return env
}

// configNames is every environment variable of the settings table: those
// app.ConfigFrom reads and those the platform reads or the cloud sets.
func configNames() map[string]bool {
	names := map[string]bool{}
	for _, s := range app.Settings() {
		names[s.Name] = true
	}
	return names
}

// checkEnv opens the app on env as the function would (the cloud engines
// contact nothing at start), and checks every variable is one the code reads.
func checkEnv(t *testing.T, fn, store string, env map[string]string) {
	t.Helper()
	known := configNames()
	for k := range env {
		if !known[k] {
			t.Errorf("%s: environment variable %s is read by no code (a typo?)", fn, k)
		}
	}
	cfg := app.ConfigFrom(func(k string) string { return env[k] })
	if cfg.Store != store {
		t.Errorf("%s: STORE = %q, want %q", fn, cfg.Store, store)
		return // not opened: the embedded store would write ./data here
	}
	a, err := app.OpenWithLog(cfg, ioDiscard{})
	if err != nil {
		t.Errorf("%s: the function would not start: %v", fn, err)
		return
	}
	a.Close()
	if fn == route.Mailer {
		if env["SMTP_HOST"] == "" {
			t.Errorf("mailer: SMTP_HOST is empty, so mail would go to a folder on a read-only disk")
		}
		if !strings.HasSuffix(env["VERIFY_URL"], "/verify") && !strings.HasSuffix(env["VERIFY_URL"], "verify") {
			t.Errorf("mailer: VERIFY_URL = %q, want the verify function's URL + /verify", env["VERIFY_URL"])
		}
	} else if env["APP_URL"] == "" {
		t.Errorf("%s: APP_URL is empty", fn)
	}
}

// issuesTokens are the functions that sign access tokens (pkg/app/accounts
// gives them an issuer when JWT_SIGNING_KEYS is set): only they may hold
// the private keys.
var issuesTokens = map[string]bool{"login": true, "refresh": true}

// checkJWTKeys checks every function verifies with JWT_PUBLIC_KEYS and only
// the token issuers get JWT_SIGNING_KEYS.
func checkJWTKeys(t *testing.T, fn string, env map[string]string) {
	t.Helper()
	if env["JWT_PUBLIC_KEYS"] == "" {
		t.Errorf("%s: JWT_PUBLIC_KEYS is not set", fn)
	}
	if has := env["JWT_SIGNING_KEYS"] != ""; has != issuesTokens[fn] {
		t.Errorf("%s: JWT_SIGNING_KEYS set = %v, want %v (only %v sign tokens)", fn, has, issuesTokens[fn], sorted(mapKeys(issuesTokens)))
	}
}

func mapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTemplateSecretsAreNoEcho checks the parameters that carry a secret
// are NoEcho and have no default, and the public keys are not hidden.
func TestTemplateSecretsAreNoEcho(t *testing.T) {
	tmpl := loadYAML(t, "template.yml")
	for _, name := range []string{"JwtSigningKeys", "AppSecret", "SmtpPassword"} {
		p := asMap(dig(tmpl, "Parameters", name))
		if p == nil {
			t.Errorf("parameter %s is missing", name)
			continue
		}
		if p["NoEcho"] != true {
			t.Errorf("parameter %s is a secret but not NoEcho", name)
		}
		if _, ok := p["Default"]; ok {
			t.Errorf("parameter %s is a secret with a default", name)
		}
	}
	if p := asMap(dig(tmpl, "Parameters", "JwtPublicKeys")); p == nil || p["NoEcho"] == true {
		t.Errorf("parameter JwtPublicKeys = %v, want a plain (not NoEcho) parameter", p)
	}
}

type ioDiscard struct{}

func (ioDiscard) Write(b []byte) (int, error) { return len(b), nil }

// routeMethods is the set of methods a function's routes serve, from the
// route table.
func routeMethods(fn string) []string {
	f, _ := route.Lookup(fn)
	var m []string
	for _, r := range f.Routes {
		if !slices.Contains(m, r.Method) {
			m = append(m, r.Method)
		}
	}
	sort.Strings(m)
	return m
}

func sorted(l []string) []string {
	l = slices.Clone(l)
	sort.Strings(l)
	return l
}

func lower(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToLower(s)
	}
	sort.Strings(out)
	return out
}

// TestEveryFunctionIsDeployedOnBothClouds compares the function resources
// of template.yml and s.yaml with the route table: one each per function
// of pkg/route, and no other.
func TestEveryFunctionIsDeployedOnBothClouds(t *testing.T) {
	fns := route.All()
	if len(fns) == 0 {
		t.Fatal("the route table has no function")
	}
	var ids, resources []string
	for _, f := range fns {
		ids = append(ids, f.LogicalID())
		resources = append(resources, f.Resource())
	}
	tmpl := loadYAML(t, "template.yml")
	var inTemplate []string
	for name, r := range asMap(tmpl["Resources"]) {
		switch dig(r, "Type") {
		case "AWS::Serverless::Function", "AWS::Lambda::Function":
			inTemplate = append(inTemplate, name)
		}
	}
	// The one function that is no route: CodeDeploy's pre-traffic hook (release_test.go).
	if !slices.Equal(sorted(inTemplate), sorted(append(slices.Clone(ids), hookID))) {
		t.Errorf("template.yml functions = %v, want the route table's %v and %s", sorted(inTemplate), sorted(ids), hookID)
	}
	s := renderedS(t, fcEnv)
	var inS []string
	for name, r := range asMap(s["resources"]) {
		if c, _ := dig(r, "component").(string); strings.HasPrefix(c, "fc3") || strings.HasPrefix(name, "fn-") {
			inS = append(inS, name)
		}
	}
	if !slices.Equal(sorted(inS), sorted(resources)) {
		t.Errorf("s.yaml function resources = %v, want the route table's %v", sorted(inS), sorted(resources))
	}
	for _, f := range fns {
		checkDescribedRoutes(t, "template.yml "+f.LogicalID(), dig(tmpl, "Resources", f.LogicalID(), "Properties", "Description"), f)
		checkDescribedRoutes(t, "s.yaml "+f.Resource(), dig(s, "resources", f.Resource(), "props", "description"), f)
	}
}

var describedRoute = regexp.MustCompile(`\b(GET|HEAD|POST|PUT|PATCH|DELETE) (/[^\s,;()]*)`)

// checkDescribedRoutes checks a function's description names its routes
// ("POST /verify and GET /verify"), and no route the table does not give it.
func checkDescribedRoutes(t *testing.T, where string, desc any, f route.Function) {
	t.Helper()
	d, _ := desc.(string)
	if d == "" {
		t.Errorf("%s has no description", where)
		return
	}
	for _, r := range f.Routes {
		if !strings.Contains(d, r.Method+" "+r.Pattern) {
			t.Errorf("%s: description %q does not name the route %s %s", where, d, r.Method, r.Pattern)
		}
	}
	for _, m := range describedRoute.FindAllStringSubmatch(d, -1) {
		if !slices.Contains(f.Routes, route.Route{Method: m[1], Pattern: m[2]}) {
			t.Errorf("%s: description %q names %s %s, which the route table does not give %s", where, d, m[1], m[2], f.Name)
		}
	}
}

func TestTemplateFunctions(t *testing.T) {
	tmpl := loadYAML(t, "template.yml")
	c := cfn{tmpl}
	g := asMap(dig(tmpl, "Globals", "Function"))
	for k, want := range map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "CodeUri": ".", "AutoPublishAlias": "live"} {
		if g[k] != want {
			t.Errorf("Globals.Function.%s = %v, want %v", k, g[k], want)
		}
	}
	if a := asStrings(g["Architectures"]); !slices.Equal(a, []string{"arm64"}) {
		t.Errorf("Globals.Function.Architectures = %v, want [arm64]", a)
	}
	if dig(g, "DeploymentPreference", "Type") == nil {
		t.Error("Globals.Function.DeploymentPreference.Type is missing")
	}
	for _, f := range route.All() {
		fn := f.Name
		t.Run(fn, func(t *testing.T) {
			r := asMap(dig(tmpl, "Resources", f.LogicalID()))
			p := asMap(r["Properties"])
			if dig(r, "Metadata", "BuildMethod") != "makefile" {
				t.Errorf("Metadata.BuildMethod = %v, want makefile", dig(r, "Metadata", "BuildMethod"))
			}
			for _, k := range []string{"Runtime", "Handler", "CodeUri", "Architectures", "AutoPublishAlias"} {
				if _, ok := p[k]; ok {
					t.Errorf("%s overrides Globals; every function shares it", k)
				}
			}
			if got := c.eval(p["FunctionName"]); got != "todofn-test-"+fn {
				t.Errorf("FunctionName = %q, want todofn-test-%s", got, fn)
			}
			if got := dig(p, "AutoPublishCodeSha256", "Ref"); got != "ReleaseId" {
				t.Errorf("AutoPublishCodeSha256 = %v, want !Ref ReleaseId (a parameter-only release must publish a version)", p["AutoPublishCodeSha256"])
			}
			checkCanaryAlarm(t, tmpl, f)
			checkEnv(t, fn, "dynamodb", c.lambdaEnv(fn))
			checkJWTKeys(t, fn, c.lambdaEnv(fn))
			methods := routeMethods(fn)
			url := asMap(p["FunctionUrlConfig"])
			if !f.HTTP() {
				if url != nil {
					t.Errorf("%s serves no route but has a function URL", fn)
				}
				if fn != route.Mailer {
					t.Fatalf("%s is an event function this test does not know", fn)
				}
				ev := asMap(dig(p, "Events", "UsersStream", "Properties"))
				if dig(p, "Events", "UsersStream", "Type") != "DynamoDB" || fmt.Sprint(dig(ev, "Stream")) != fmt.Sprint(map[string]any{"Fn::GetAtt": []any{"UsersTable", "StreamArn"}}) {
					t.Errorf("the mailer is not on the users table's stream: %v", dig(p, "Events"))
				}
				if !slices.Contains(asStrings(ev["FunctionResponseTypes"]), "ReportBatchItemFailures") || ev["BisectBatchOnFunctionError"] != true ||
					dig(ev, "DestinationConfig", "OnFailure", "Destination") == nil || ev["StartingPosition"] != "TRIM_HORIZON" {
					t.Errorf("the stream mapping lacks partial batch responses, bisection, TRIM_HORIZON or a failure destination: %v", ev)
				}
				return
			}
			if dig(url, "AuthType") != "NONE" {
				t.Errorf("FunctionUrlConfig.AuthType = %v, want NONE (the JWT is checked in code)", dig(url, "AuthType"))
			}
			if got := sorted(asStrings(dig(url, "Cors", "AllowMethods"))); !slices.Equal(got, methods) {
				t.Errorf("Cors.AllowMethods = %v, want the routes' %v", got, methods)
			}
			if c.eval(dig(url, "Cors", "AllowOrigins")) != awsParams["AllowedOrigins"] {
				t.Errorf("Cors.AllowOrigins = %v, want the AllowedOrigins parameter", dig(url, "Cors", "AllowOrigins"))
			}
			checkCORSHeaders(t, fn, asStrings(dig(url, "Cors", "AllowHeaders")), asStrings(dig(url, "Cors", "ExposeHeaders")))
			if tmpl["Outputs"] == nil || dig(tmpl, "Outputs", f.LogicalID()+"Url", "Value") == nil {
				t.Errorf("Outputs.%sUrl is missing (make web-config reads it)", f.LogicalID())
			}
		})
	}
}

func asStringsRefs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		if r, ok := dig(x, "Ref").(string); ok {
			out = append(out, r)
		}
	}
	return out
}

// checkCORSHeaders compares the function URL's CORS headers with the
// code's own (pkg/api answers preflights on Function Compute with them):
// every header the URL lets through must be one the code allows, and the
// exposed headers must be the code's.
func checkCORSHeaders(t *testing.T, fn string, allow, expose []string) {
	t.Helper()
	const origin = "https://app.example"
	s := &api.Server{AllowedOrigins: []string{origin}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var h http.Handler
	for _, f := range s.All(nil, nil) { // a preflight never reaches a service
		if f.Name == fn {
			h = s.Handler(f)
		}
	}
	method := routeMethods(fn)[0]
	pre := httptest.NewRequest(http.MethodOptions, "/x", nil)
	pre.Header.Set("Origin", origin)
	pre.Header.Set("Access-Control-Request-Method", method)
	pre.Header.Set("Access-Control-Request-Headers", strings.Join(allow, ","))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	got := strings.Split(strings.ToLower(w.Header().Get("Access-Control-Allow-Headers")), ",")
	for i := range got {
		got[i] = strings.TrimSpace(got[i])
	}
	for _, a := range lower(allow) {
		if !slices.Contains(got, a) {
			t.Errorf("Cors.AllowHeaders has %s, which the code does not allow (it allows %v)", a, got)
		}
	}
	req := httptest.NewRequest(method, "/no-such-path", nil)
	req.Header.Set("Origin", origin)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	exposed := strings.Split(w.Header().Get("Access-Control-Expose-Headers"), ",")
	for i := range exposed {
		exposed[i] = strings.TrimSpace(exposed[i])
	}
	if !slices.Equal(lower(expose), lower(exposed)) {
		t.Errorf("Cors.ExposeHeaders = %v, want the code's %v", lower(expose), lower(exposed))
	}
}

func TestSYAMLFunctions(t *testing.T) {
	doc := renderedS(t, fcEnv)
	for _, f := range route.All() {
		fn := f.Name
		t.Run(fn, func(t *testing.T) {
			res := dig(doc, "resources", f.Resource())
			p := asMap(dig(res, "props"))
			for k, want := range map[string]any{
				"handler": "bootstrap", "runtime": "go1", "code": "./build/fc/" + fn + ".zip",
				"functionName": "todofn-test-" + fn, "logConfig": "auto",
			} {
				if p[k] != want {
					t.Errorf("props.%s = %v, want %v", k, p[k], want)
				}
			}
			if r, _ := p["role"].(string); !strings.HasPrefix(r, "acs:ram::"+fcAccountID+":role/") {
				t.Errorf("props.role = %q, want a RAM role of the account", r)
			}
			if got := dig(p, "customRuntimeConfig", "port"); fmt.Sprint(got) != "9000" {
				t.Errorf("customRuntimeConfig.port = %v, want 9000", got)
			}
			pre, _ := dig(res, "actions", "pre-deploy").([]any)
			if len(pre) == 0 || dig(pre[0], "run") != "make package-fc ONLY="+fn {
				t.Errorf("actions.pre-deploy = %v, want `make package-fc ONLY=%s`", pre, fn)
			}
			env := fcEnvOf(res)
			checkEnv(t, fn, "tablestore", env)
			checkJWTKeys(t, fn, env)
			triggers, _ := p["triggers"].([]any)
			if len(triggers) != 1 {
				t.Fatalf("%d triggers, want 1", len(triggers))
			}
			tr := asMap(triggers[0])
			if tr["qualifier"] != "live" {
				t.Errorf("trigger qualifier = %v, want live (the alias fc-canary moves)", tr["qualifier"])
			}
			if !f.HTTP() {
				if fn != route.Mailer {
					t.Fatalf("%s is an event function this test does not know", fn)
				}
				want := "acs:ots:cn-hangzhou:" + fcAccountID + ":instance/" + env["TABLESTORE_INSTANCE"] + "/table/" + env["USERS_TABLE"]
				if tr["triggerType"] != "tablestore" || tr["sourceArn"] != want || tr["invocationRole"] == nil {
					t.Errorf("mailer trigger = %v, want a tablestore trigger on %s with an invocationRole", tr, want)
				}
				return
			}
			if env["ALLOWED_ORIGINS"] == "" {
				t.Error("ALLOWED_ORIGINS is empty: FC has no CORS setting, so the code must answer preflights")
			}
			want := append(routeMethods(fn), http.MethodOptions)
			if tr["triggerType"] != "http" || dig(tr, "triggerConfig", "authType") != "anonymous" ||
				!slices.Equal(sorted(asStrings(dig(tr, "triggerConfig", "methods"))), sorted(want)) {
				t.Errorf("trigger = %v, want an anonymous http trigger for %v", tr, want)
			}
		})
	}
}

// makeDryRun prints the commands a make target would run, without running
// them.
func makeDryRun(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := lookPath("make"); err != nil {
		missing(t, "make is not installed")
	}
	return string(run(t, nil, "make", append([]string{"-n", "--no-print-directory"}, args...)...))
}

// TestDeployMakeTargets checks the commands of the deploy targets: `sam
// build`'s build-<LogicalId> for every function of the table (AWS flavour,
// arm64) and the packages of both clouds (FC on amd64).
func TestDeployMakeTargets(t *testing.T) {
	for _, f := range route.All() {
		id := f.LogicalID()
		out := makeDryRun(t, "build-"+id, "ARTIFACTS_DIR=/tmp/sam-artifacts")
		for _, want := range []string{"CGO_ENABLED=0 GOOS=linux GOARCH=arm64", `-tags "lambda.norpc,no_tablestore,no_bolt"`, "-trimpath", `-ldflags "-s -w -buildid="`,
			`-o "/tmp/sam-artifacts/bootstrap" ./functions/` + f.Name} {
			if !strings.Contains(out, want) {
				t.Errorf("make build-%s runs\n%s\nwithout %q", id, out, want)
			}
		}
		if n := strings.Count(out, " build "); n != 1 {
			t.Errorf("make build-%s runs %d go builds, want 1:\n%s", id, n, out)
		}
	}
	if _, err := exec.Command("make", "-n", "--no-print-directory", "-C", root, "build-NoSuchFunction", "ARTIFACTS_DIR=/tmp/x").CombinedOutput(); err == nil {
		t.Error("make build-NoSuchFunction succeeds: build-% must match only the table's logical IDs")
	}
	out := makeDryRun(t, "package-fc", "ONLY=register mailer")
	for _, want := range []string{"CGO_ENABLED=0 GOOS=linux GOARCH=amd64", `-tags "no_dynamodb,no_bolt"`, `-o "build/fc/register/bootstrap" ./functions/register`,
		`-o "build/fc/register.zip"`, `"build/fc/mailer.zip"`} {
		if !strings.Contains(out, want) {
			t.Errorf("make package-fc runs\n%s\nwithout %q", out, want)
		}
	}
	if strings.Contains(out, "GOARCH=arm64") {
		t.Errorf("make package-fc builds for arm64; Function Compute's Go runtime is x86_64 only:\n%s", out)
	}
	if strings.Contains(out, "todos-add") {
		t.Errorf("make package-fc ONLY=... builds more than asked:\n%s", out)
	}
	out = makeDryRun(t, "package-aws")
	for _, fn := range functionNames() {
		if !strings.Contains(out, `"build/aws/`+fn+`.zip"`) || !strings.Contains(out, `./functions/`+fn+"\n") {
			t.Errorf("make package-aws does not make build/aws/%s.zip:\n%s", fn, out)
		}
	}
	if strings.Count(out, `GOARCH=arm64 go build -tags "lambda.norpc,no_tablestore,no_bolt"`) != len(functionNames()) {
		t.Errorf("make package-aws does not build every function for linux/arm64 with the AWS tags:\n%s", out)
	}
	// fcrelease.sh gets every function of the table from make.
	out = makeDryRun(t, "fc-status")
	if want := `FC_FUNCTIONS="` + strings.Join(resourcesOf(route.All()), " ") + `"`; !strings.Contains(out, want) {
		t.Errorf("make fc-status runs\n%s\nwithout %s", out, want)
	}
}

// TestOneBuildRecipe checks every flavour's go build goes through the one
// recipe (build_fn): the same flags for make build, the packages, sam build
// and the local cloud, each with its own GOOS/GOARCH and tags.
func TestOneBuildRecipe(t *testing.T) {
	fn := route.HTTPFunctions()[0].Name
	host := strings.Fields(string(run(t, nil, "go", "env", "GOOS", "GOARCH")))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"build"}, `GOOS=linux GOARCH=arm64 go build -tags "lambda.norpc" -trimpath -ldflags "-s -w -buildid=" -o "build/` + fn + `/bootstrap" ./functions/` + fn},
		{[]string{"build", "GOARCH=amd64"}, `GOOS=linux GOARCH=amd64 go build -tags "lambda.norpc"`},
		{[]string{"package-aws", "ONLY=" + fn}, `GOOS=linux GOARCH=arm64 go build -tags "lambda.norpc,no_tablestore,no_bolt" -trimpath -ldflags "-s -w -buildid=" -o "build/aws/` + fn + `/bootstrap" ./functions/` + fn},
		{[]string{"package-fc", "ONLY=" + fn}, `GOOS=linux GOARCH=amd64 go build -tags "no_dynamodb,no_bolt" -trimpath -ldflags "-s -w -buildid=" -o "build/fc/` + fn + `/bootstrap" ./functions/` + fn},
		{[]string{"build-" + logicalID(fn), "ARTIFACTS_DIR=/a"}, `GOOS=linux GOARCH=arm64 go build -tags "lambda.norpc,no_tablestore,no_bolt" -trimpath -ldflags "-s -w -buildid=" -o "/a/bootstrap" ./functions/` + fn},
		{[]string{"run-lambda"}, "GOOS=" + host[0] + " GOARCH=" + host[1] + ` go build -tags "lambda.norpc,no_tablestore,no_bolt" -trimpath -ldflags "-s -w -buildid=" -o "build/localcloud/lambda/` + fn + `/bootstrap" ./functions/` + fn},
		{[]string{"run-fc"}, "GOOS=" + host[0] + " GOARCH=" + host[1] + ` go build -tags "no_dynamodb,no_bolt" -trimpath -ldflags "-s -w -buildid=" -o "build/localcloud/fc/` + fn + `/bootstrap" ./functions/` + fn},
	} {
		out := makeDryRun(t, tt.args...)
		if !strings.Contains(out, "CGO_ENABLED=0 "+tt.want) {
			t.Errorf("make -n %s runs\n%s\nwithout CGO_ENABLED=0 %s", strings.Join(tt.args, " "), out, tt.want)
		}
	}
	mk := readFile(t, "Makefile") + readFile(t, "deploy.mk") + readFile(t, "localcloud.mk")
	// build_fn, the pre-traffic hook's own recipe (it is no function of the
	// table) and make run's local server (a dev tool, built with LOCAL_TAGS).
	if n := strings.Count(mk, "$(GO) build -tags"); n != 3 || strings.Count(mk, "./deploy/hook\n") != 1 ||
		strings.Count(mk, "$(GO) build -tags $(LOCAL_TAGS) -o build/local/todofn-local ./cmd/local\n") != 1 {
		t.Errorf("the make files have %d recipes that go build, want 3: build_fn, deploy/hook's and make run's", n)
	}
	if strings.Contains(mk, "./functions/$$") {
		t.Error("a make recipe builds ./functions/$$f in a shell loop instead of through build_fn")
	}
}

// TestNoHandWrittenFunctionList checks the build and deploy scripts take
// the function list from the route table (functions.mk, go run
// ./cmd/routes) rather than spelling it out: no Makefile, .mk or .sh file
// but the generated functions.mk names todos-update or a logical ID, or
// three functions on one line.
func TestNoHandWrittenFunctionList(t *testing.T) {
	var names, ids []string
	for _, f := range route.All() {
		names = append(names, f.Name)
		ids = append(ids, f.LogicalID())
	}
	word := regexp.MustCompile(`[A-Za-z0-9_-]+`)
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			switch rel {
			case ".git", "node_modules", "build", "test-artifacts", "data", "dist":
				return filepath.SkipDir
			}
			return nil
		}
		base := d.Name()
		if rel == "functions.mk" || !(base == "Makefile" || base == "GNUmakefile" || strings.HasSuffix(base, ".mk") || strings.HasSuffix(base, ".sh")) {
			return nil
		}
		files++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			seen := map[string]bool{}
			for _, w := range word.FindAllString(line, -1) {
				w = strings.TrimPrefix(w, "fn-")
				if slices.Contains(names, w) {
					seen[w] = true
				}
				if slices.Contains(ids, w) || w == "todos-update" {
					t.Errorf("%s:%d names %s: take it from functions.mk or `go run ./cmd/routes`:\n%s", rel, i+1, w, line)
				}
			}
			if len(seen) >= 3 {
				t.Errorf("%s:%d lists functions by hand (%d of them): take them from functions.mk or `go run ./cmd/routes`:\n%s", rel, i+1, len(seen), line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 {
		t.Errorf("checked %d make and shell files, want at least Makefile, deploy.mk, localcloud.mk and deploy/fcrelease.sh", files)
	}
	if mk := readFile(t, "Makefile"); !regexp.MustCompile(`(?m)^include functions\.mk$`).MatchString(mk) {
		t.Error("the Makefile does not include functions.mk")
	}
}

func resourcesOf(fns []route.Function) []string {
	out := make([]string, len(fns))
	for i, f := range fns {
		out[i] = f.Resource()
	}
	return out
}

func readFile(tb testing.TB, name string) string {
	tb.Helper()
	data, err := os.ReadFile(path(name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

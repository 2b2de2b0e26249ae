package archtest

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/route"
)

const module = "github.com/todofn/todofn"

// tagSets are the build tag sets the project builds with (see the
// Makefile): every rule must hold under each.
var tagSets = []string{"", "lambda.norpc,no_tablestore,no_bolt", "no_dynamodb,no_bolt"}

// owners says which package of the module may import each SDK (any package
// under the SDK's module path). One package owns each; the protocol double
// of Tablestore speaks the SDK's own protobuf messages, so it may import
// that part too.
var owners = []struct {
	sdk     string
	allowed []string
}{
	{"github.com/aws/aws-lambda-go", []string{"pkg/platform"}},
	{"github.com/aliyun/fc-runtime-go-sdk", []string{"pkg/platform"}},
	// deploy/hook, CodeDeploy's pre-traffic hook, is its own deploy-time
	// binary (no function links it): it signs its two AWS calls with the
	// SDK's SigV4 signer.
	{"github.com/aws/aws-sdk-go-v2", []string{"pkg/dynamodb", "deploy/hook"}},
	{"github.com/aws/smithy-go", []string{"pkg/dynamodb"}},
	{"github.com/aliyun/aliyun-tablestore-go-sdk", []string{"pkg/tablestore", "internal/tablestoretest"}},
	{"go.etcd.io/bbolt", []string{"pkg/bolt"}},
	{"github.com/golang-jwt/jwt", []string{"pkg/auth"}},
	{"github.com/wneessen/go-mail", []string{"pkg/mail"}},
	{"golang.org/x/crypto/argon2", []string{"pkg/password"}},
	{"github.com/rs/cors", []string{"pkg/api"}},
	// The Tablestore trigger's CBOR: only the mailer links its decoder;
	// the protocol double encodes the payloads it plays.
	{"github.com/fxamacker/cbor", []string{"pkg/tablestore/trigger", "internal/tablestoretest"}},
	// IDNA (e-mail domains into A-labels) runs where the account service
	// normalises an address, so only the account functions link it.
	{"golang.org/x/net", []string{"pkg/account"}},
}

type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
}

// list runs go list -deps -json over patterns with tags and returns the
// packages by import path.
func list(t *testing.T, tags string, patterns ...string) map[string]pkg {
	t.Helper()
	args := []string{"list", "-deps", "-json=ImportPath,Standard,Imports,Deps"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, patterns...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func local(path string) (string, bool) {
	rel, ok := strings.CutPrefix(path, module+"/")
	return rel, ok
}

func under(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }

// TestEachSDKHasOneOwner fails when an SDK is imported outside the package
// that owns it, under any tag set, by production code, tools or doubles
// alike (test files may import what they test against).
func TestEachSDKHasOneOwner(t *testing.T) {
	for _, tags := range tagSets {
		for path, p := range list(t, tags, "./...") {
			rel, ok := local(path)
			if !ok {
				continue
			}
			for _, imp := range p.Imports {
				for _, o := range owners {
					if under(imp, o.sdk) && !slices.Contains(o.allowed, rel) {
						t.Errorf("tags %q: %s imports %s, which only %v may import", tags, rel, imp, o.allowed)
					}
				}
			}
		}
	}
}

// TestDomainImportsOnlyTheStandardLibrary keeps pkg/todo free of every
// dependency, including the module's own packages.
func TestDomainImportsOnlyTheStandardLibrary(t *testing.T) {
	pkgs := list(t, "", "./pkg/todo")
	for _, dep := range pkgs[module+"/pkg/todo"].Deps {
		if !pkgs[dep].Standard {
			t.Errorf("pkg/todo depends on %s", dep)
		}
	}
}

// TestSharedTablesImportOnlyTheDomain keeps the packages every tool and
// layer reads (the route table, the wire format, the key format) as small
// as the domain.
func TestSharedTablesImportOnlyTheDomain(t *testing.T) {
	for _, name := range []string{"pkg/route", "pkg/wire", "pkg/keyset"} {
		pkgs := list(t, "", "./"+name)
		for _, dep := range pkgs[module+"/"+name].Deps {
			if rel, ok := local(dep); (ok && rel != "pkg/todo") || (!ok && !pkgs[dep].Standard) {
				t.Errorf("%s depends on %s", name, dep)
			}
		}
	}
}

// TestProductionImportsNoDoubleOrTool: nothing under pkg/ or functions/
// depends on internal/ (doubles, emulators, dev readers) or cmd/.
func TestProductionImportsNoDoubleOrTool(t *testing.T) {
	for _, tags := range tagSets {
		for path, p := range list(t, tags, "./pkg/...", "./functions/...") {
			rel, ok := local(path)
			if !ok || !(under(rel, "pkg") || under(rel, "functions")) {
				continue
			}
			for _, dep := range p.Deps {
				if d, ok := local(dep); ok && (under(d, "internal") || under(d, "cmd")) {
					t.Errorf("tags %q: %s depends on %s", tags, rel, d)
				}
			}
		}
	}
}

// forbidden says what a function must not link, by the part of the
// function's name: todos-* link no password hashing, no mail, no IDNA and
// no account code; the account functions link no todo code, and logout,
// refresh and password-forgot no password hashing; the mailer links
// no HTTP API (and no JWT, which it never sees); none links table creation,
// a tool's job; and only the mailer links the stream decoders (the batch
// policy, the Tablestore trigger and its CBOR library).
func forbidden(fn string) []string {
	out := append(forbiddenByKind(fn), module+"/pkg/app/tables")
	if fn != route.Mailer {
		out = append(out, module+"/pkg/app/stream", module+"/pkg/tablestore/trigger", "github.com/fxamacker/cbor/v2")
	}
	return out
}

func forbiddenByKind(fn string) []string {
	switch {
	case strings.HasPrefix(fn, "todos-"):
		return []string{"golang.org/x/crypto/argon2", module + "/pkg/password", "github.com/wneessen/go-mail",
			module + "/pkg/mail", module + "/pkg/account", module + "/pkg/app/accounts", module + "/pkg/app/mailer",
			"golang.org/x/net/idna"}
	case fn == route.Mailer:
		return []string{module + "/pkg/api", module + "/pkg/app/apiserver", "github.com/rs/cors",
			"github.com/golang-jwt/jwt/v5", module + "/pkg/auth", module + "/pkg/todolist"}
	case fn == route.Logout || fn == route.Refresh || fn == route.PasswordForgot:
		// No password to hash, verify or check (pkg/app/accountsvc).
		return []string{module + "/pkg/todolist", module + "/pkg/app/todos", module + "/pkg/app/mailer",
			"github.com/wneessen/go-mail", module + "/pkg/mail", module + "/pkg/app/accounts", module + "/pkg/password",
			"golang.org/x/crypto/argon2"}
	default:
		return []string{module + "/pkg/todolist", module + "/pkg/app/todos", module + "/pkg/app/mailer",
			"github.com/wneessen/go-mail", module + "/pkg/mail"}
	}
}

// TestFunctionsLinkOnlyWhatTheyUse reads each function binary's package
// graph (what the linker is given) under every tag set.
func TestFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	for _, tags := range tagSets {
		for _, f := range route.All() {
			pkgs := list(t, tags, "./functions/"+f.Name)
			deps := pkgs[module+"/functions/"+f.Name].Deps
			if len(deps) == 0 {
				t.Fatalf("functions/%s has no dependencies: is it in the route table but not on disk?", f.Name)
			}
			for _, bad := range forbidden(f.Name) {
				if slices.Contains(deps, bad) {
					t.Errorf("tags %q: %s links %s", tags, f.Name, bad)
				}
			}
		}
	}
}

// TestCloudFlavoursLeaveTheOtherEngineOut: the AWS build links no
// Tablestore SDK and no FC runtime SDK, the FC build no AWS SDK and no
// Lambda runtime SDK (pkg/platform's build tags; no_fc and no_lambda leave
// a runtime out on their own), and neither links the embedded store.
func TestCloudFlavoursLeaveTheOtherEngineOut(t *testing.T) {
	for _, tt := range []struct{ tags, sdk string }{
		{"lambda.norpc,no_tablestore,no_bolt", "github.com/aliyun/aliyun-tablestore-go-sdk"},
		{"lambda.norpc,no_tablestore,no_bolt", "github.com/aliyun/fc-runtime-go-sdk"},
		{"lambda.norpc,no_tablestore,no_bolt", "go.etcd.io/bbolt"},
		{"no_dynamodb,no_bolt", "github.com/aws/aws-sdk-go-v2"},
		{"no_dynamodb,no_bolt", "github.com/aws/aws-lambda-go"},
		{"no_dynamodb,no_bolt", "go.etcd.io/bbolt"},
		{"no_fc", "github.com/aliyun/fc-runtime-go-sdk"},
		{"no_lambda", "github.com/aws/aws-lambda-go"},
	} {
		for _, f := range route.All() {
			for _, dep := range list(t, tt.tags, "./functions/"+f.Name)[module+"/functions/"+f.Name].Deps {
				if under(dep, tt.sdk) {
					t.Errorf("tags %q: %s links %s", tt.tags, f.Name, dep)
					break
				}
			}
		}
	}
}

// TestFCFlavourLinksNoRegexp: no FC HTTP function links package regexp
// (about 110 KB of code in each binary, and the Tablestore SDK does not
// need it), so the key IDs, table names and codes are checked by loops
// (pkg/keyset, pkg/tablestore, pkg/account). The AWS SDK links regexp in
// its endpoint rules, and the mailer's SMTP client (go-mail) does too, so
// neither the AWS flavour nor the mailer is held to this.
func TestFCFlavourLinksNoRegexp(t *testing.T) {
	for _, f := range route.All() {
		if !f.HTTP() {
			continue
		}
		for _, dep := range list(t, "no_dynamodb,no_bolt", "./functions/"+f.Name)[module+"/functions/"+f.Name].Deps {
			if under(dep, "regexp") {
				t.Errorf("tags no_dynamodb,no_bolt: %s links %s", f.Name, dep)
				break
			}
		}
	}
}

// TestAWSFlavourLinksNoSchemaSerde: no AWS function links the DynamoDB
// client's schema-based serialisation (service/dynamodb/schemas, from
// v1.69.0 on), whose package init builds a schema for every shape of the
// API: 0.45 ms of every cold start and about 450 KB of every bootstrap here
// (docs/performance.md). go.mod keeps service/dynamodb at v1.68.0, the last
// version with generated serialisers; this fails on an upgrade past it.
func TestAWSFlavourLinksNoSchemaSerde(t *testing.T) {
	const schemas = "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas"
	for _, f := range route.All() {
		for _, dep := range list(t, "lambda.norpc,no_tablestore,no_bolt", "./functions/"+f.Name)[module+"/functions/"+f.Name].Deps {
			if under(dep, schemas) {
				t.Errorf("tags lambda.norpc,no_tablestore,no_bolt: %s links %s", f.Name, dep)
				break
			}
		}
	}
}

// TestMiddlewareKnowsNoPlatform: the recorder and the metrics middleware
// that the composition root adds import neither pkg/platform nor any
// SDK, so platform stays the one place that knows the clouds.
func TestMiddlewareKnowsNoPlatform(t *testing.T) {
	for _, name := range []string{"pkg/record", "pkg/metrics"} {
		pkgs := list(t, "", "./"+name)
		for _, dep := range pkgs[module+"/"+name].Deps {
			if rel, ok := local(dep); (ok && rel == "pkg/platform") || (!ok && !pkgs[dep].Standard) {
				t.Errorf("%s depends on %s", name, dep)
			}
		}
	}
}

// TestMainsOnlyWire: every function's main is one call to a starter
// (apiserver.Start for an HTTP function, start.Events for an event
// function) naming the function by its route constant, so the open /
// fatal boilerplate lives once, in the starter.
func TestMainsOnlyWire(t *testing.T) {
	for _, f := range route.All() {
		file, err := parser.ParseFile(token.NewFileSet(), "../../functions/"+f.Name+"/main.go", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := "apiserver.Start"
		if !f.HTTP() {
			want = "start.Events"
		}
		var body []ast.Stmt
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "main" {
				body = fd.Body.List
			}
		}
		if len(body) != 1 {
			t.Errorf("functions/%s: main has %d statements, want one call to %s", f.Name, len(body), want)
			continue
		}
		call, _ := body[0].(*ast.ExprStmt)
		var ce *ast.CallExpr
		if call != nil {
			ce, _ = call.X.(*ast.CallExpr)
		}
		if ce == nil || selector(ce.Fun) != want || len(ce.Args) == 0 || !strings.HasPrefix(selector(ce.Args[0]), "route.") {
			t.Errorf("functions/%s: main is not %s(route.<Name>, ...)", f.Name, want)
		}
	}
}

// selector is "x.Sel" for a selector expression, else "".
func selector(e ast.Expr) string {
	if s, ok := e.(*ast.SelectorExpr); ok {
		if x, ok := s.X.(*ast.Ident); ok {
			return x.Name + "." + s.Sel.Name
		}
	}
	return ""
}

// Package route is the one table of the project's functions: their names,
// the HTTP routes each serves and the event function fired by the users
// table's stream. Everything else derives from it: the API mounts its
// handlers by it, the local server and the local cloud route by it, the
// Makefile, the deploy scripts and the web app read it through `go run
// ./cmd/routes`, and `go run ./cmd/descriptors` writes each function's parts
// of template.yml and s.yaml from it (with deploy.go's Deploy table).
//
// It imports only the standard library, so every tool can use it.
package route

import (
	"slices"
	"strings"
)

// Route is one method and path pattern (net/http ServeMux syntax, such as
// "/todos/{id}").
type Route struct {
	Method  string
	Pattern string
}

// Function is one deployable function.
type Function struct {
	// Name is the folder under functions/ and the suffix of the cloud
	// function's name, such as "todos-add".
	Name string
	// Summary says what the function does, in one line.
	Summary string
	// Routes are the HTTP routes it serves; none for an event function.
	Routes []Route
	// Deploy is what the cloud descriptors give it (deploy.go); All fills
	// it in from the deploys table.
	Deploy Deploy
}

// HTTP reports whether f is served over HTTP (a function URL or an HTTP
// trigger) rather than fired by events.
func (f Function) HTTP() bool { return len(f.Routes) > 0 }

// LogicalID is f's resource name in template.yml: "todos-add" is
// "TodosAddFunction".
func (f Function) LogicalID() string {
	var b strings.Builder
	for part := range strings.SplitSeq(f.Name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "Function"
}

// Resource is f's resource name in s.yaml: "fn-todos-add".
func (f Function) Resource() string { return "fn-" + f.Name }

// Mailer is the name of the event function fired by the users table's
// change stream.
const Mailer = "mailer"

// The names of the HTTP functions, for code that names one (package api,
// the per-IP budgets): a mistyped constant does not compile, where a
// mistyped string would mount nothing.
const (
	Register       = "register"
	Verify         = "verify"
	Login          = "login"
	Refresh        = "refresh"
	Logout         = "logout"
	PasswordForgot = "password-forgot"
	PasswordReset  = "password-reset"
	PasswordChange = "password-change"
	AccountDelete  = "account-delete"
	TodosList      = "todos-list"
	TodosAdd       = "todos-add"
	TodosUpdate    = "todos-update"
	TodosDelete    = "todos-delete"
	TodosClear     = "todos-clear"
	TodosMarkAll   = "todos-mark-all"
)

// table is the one list of functions, in the order the README lists them.
var table = []Function{
	{Name: Register, Summary: "sign up an e-mail address",
		Routes: []Route{{"POST", "/register"}}},
	{Name: Verify, Summary: "verify an address with its mailed code",
		Routes: []Route{{"POST", "/verify"}, {"GET", "/verify"}}},
	{Name: Login, Summary: "check a password and start a session: an access token and a refresh token",
		Routes: []Route{{"POST", "/login"}}},
	{Name: Refresh, Summary: "trade a refresh token for a new access token and a new refresh token",
		Routes: []Route{{"POST", "/refresh"}}},
	{Name: Logout, Summary: "end this session, or every session of the user",
		Routes: []Route{{"POST", "/logout"}}},
	{Name: PasswordForgot, Summary: "mail a password-reset code",
		Routes: []Route{{"POST", "/password/forgot"}}},
	{Name: PasswordReset, Summary: "set a new password with a mailed code; every session ends",
		Routes: []Route{{"POST", "/password/reset"}}},
	{Name: PasswordChange, Summary: "change the password; every other session ends",
		Routes: []Route{{"POST", "/password"}}},
	{Name: AccountDelete, Summary: "delete the account, its todos and sessions",
		Routes: []Route{{"DELETE", "/account"}}},
	{Name: TodosList, Summary: "list the caller's todos, newest first",
		Routes: []Route{{"GET", "/todos"}}},
	{Name: TodosAdd, Summary: "add a todo (idempotent with Idempotency-Key)",
		Routes: []Route{{"POST", "/todos"}}},
	{Name: TodosUpdate, Summary: "change a todo's title or done flag",
		Routes: []Route{{"PATCH", "/todos/{id}"}}},
	{Name: TodosDelete, Summary: "delete a todo",
		Routes: []Route{{"DELETE", "/todos/{id}"}}},
	{Name: TodosClear, Summary: "delete the completed todos, a batch at a time",
		Routes: []Route{{"DELETE", "/todos"}}},
	{Name: TodosMarkAll, Summary: "mark every todo done or not done, a batch at a time",
		Routes: []Route{{"PATCH", "/todos"}}},
	{Name: Mailer, Summary: "mail verification codes and notices, fired by the users table's stream"},
}

// All returns every function, HTTP ones first.
func All() []Function {
	out := make([]Function, len(table))
	for i, f := range table {
		out[i] = f.filled()
	}
	return out
}

// filled returns f, an entry of table, with its Deploy and with copies of
// its slices, as All and Lookup return it.
func (f Function) filled() Function {
	f.Routes = slices.Clone(f.Routes)
	f.Deploy = deploys[f.Name].clone()
	return f
}

// HTTPFunctions returns the functions served over HTTP.
func HTTPFunctions() []Function {
	return slices.DeleteFunc(All(), func(f Function) bool { return !f.HTTP() })
}

// Names returns the names of fns.
func Names(fns []Function) []string {
	out := make([]string, len(fns))
	for i, f := range fns {
		out[i] = f.Name
	}
	return out
}

// Lookup returns the function with that name, as All has it. It copies
// that one entry only: every function's start calls it (api.Server.Mount),
// several times.
func Lookup(name string) (Function, bool) {
	for _, f := range table {
		if f.Name == name {
			return f.filled(), true
		}
	}
	return Function{}, false
}

// Patterns returns every distinct path pattern of the HTTP functions, in
// table order.
func Patterns() []string {
	var out []string
	for _, f := range table {
		for _, r := range f.Routes {
			if !slices.Contains(out, r.Pattern) {
				out = append(out, r.Pattern)
			}
		}
	}
	return out
}

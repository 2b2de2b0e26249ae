package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/webconfig"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// maxEventBody is the largest request body the front turns into an event:
// the 6 MB invocation payload limit of Lambda, less room for the envelope.
const maxEventBody = 6<<20 - 64<<10

// front is the one origin in front of every function: each API request
// becomes its route's function-URL or HTTP-trigger event, the function's
// answer becomes the HTTP response. It also serves the web app, its
// /config.json, /healthz and /.well-known/jwks.json.
type front struct {
	origin  string // this server's origin, e.g. http://127.0.0.1:8080
	mailbox string // the dev mailbox's web UI, if any
	jwks    []byte // the JWK Set of the keys the functions verify with, if known
	web     http.FileSystem
	codec   codec
	fns     map[string]invoker // by function name
	gray    *grayRouter        // the candidate builds, with -candidate-bin (gray.go)
	log     *slog.Logger

	mux       *http.ServeMux      // path patterns only, to find a request's pattern
	byPattern map[string][]target // the routes of each pattern
}

// target is one route of one function.
type target struct {
	fn     string
	method string
}

// newFront builds its routing from the route table, so it serves exactly
// what each function serves.
func newFront(origin, mailbox string, web http.FileSystem, c codec, fns map[string]invoker, log *slog.Logger) *front {
	f := &front{origin: origin, mailbox: mailbox, web: web, codec: c, fns: fns, log: log,
		mux: http.NewServeMux(), byPattern: map[string][]target{}}
	for _, fn := range route.HTTPFunctions() {
		for _, rt := range fn.Routes {
			if _, seen := f.byPattern[rt.Pattern]; !seen {
				f.mux.Handle(rt.Pattern, http.NotFoundHandler())
			}
			f.byPattern[rt.Pattern] = append(f.byPattern[rt.Pattern], target{fn.Name, rt.Method})
		}
	}
	return f
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.gray != nil && f.gray.serve(w, r) {
		return
	}
	if _, pattern := f.mux.Handler(r); pattern != "" {
		f.dispatch(w, r, pattern)
		return
	}
	switch r.URL.Path {
	case "/healthz":
		wire.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	case "/config.json":
		webconfig.SameOrigin(f.origin, f.mailbox).ServeHTTP(w, r)
		return
	case "/.well-known/jwks.json":
		if f.jwks != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			serveJWKS(w, r, f.jwks)
			return
		}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if file, err := f.web.Open(r.URL.Path); err == nil {
			file.Close()
			http.FileServer(f.web).ServeHTTP(w, r)
			return
		}
	}
	wire.Error(w, todo.NotFound, fmt.Sprintf("There is nothing at %s.", r.URL.Path))
}

// choose returns the function that gets r among the routes of its pattern:
// the one serving r's method (GET for HEAD); for a CORS preflight, the one
// serving the method asked for, else the pattern's first; for another
// method, the pattern's only function so that it answers the 405 itself.
// It returns "" when several functions share the pattern and none serves
// the method.
func choose(r *http.Request, routes []target) string {
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if method == http.MethodOptions {
		if asked := r.Header.Get("Access-Control-Request-Method"); asked != "" {
			method = asked
		}
	}
	for _, rt := range routes {
		if rt.method == method {
			return rt.fn
		}
	}
	if r.Method == http.MethodOptions {
		return routes[0].fn
	}
	first := routes[0].fn
	if slices.IndexFunc(routes, func(rt target) bool { return rt.fn != first }) < 0 {
		return first
	}
	return ""
}

// dispatch invokes the function for r and writes its answer.
func (f *front) dispatch(w http.ResponseWriter, r *http.Request, pattern string) {
	start := time.Now()
	routes := f.byPattern[pattern]
	name := choose(r, routes)
	if name == "" {
		notAllowed(w, r, routes)
		return
	}
	sw := &wire.StatusWriter{ResponseWriter: w}
	defer func() {
		f.log.Info(fmt.Sprintf("%s %s -> %s %d", r.Method, r.URL.RequestURI(), name, sw.Status),
			"ms", time.Since(start).Milliseconds())
	}()
	r.Body = http.MaxBytesReader(sw, r.Body, maxEventBody)
	event, err := f.codec.event(r, wire.NewRequestID())
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		wire.Error(sw, todo.TooLarge, "The request body is too large for a function.")
		return
	}
	if err != nil {
		wire.Error(sw, todo.Invalid, "The request body could not be read.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), functionTimeout+5*time.Second)
	defer cancel()
	inv, role := f.invoker(name)
	if inv == nil {
		wire.Error(sw, todo.Unavailable, name+" is not running here (see -only).")
		return
	}
	if role >= 0 {
		sw.Header().Set(grayHeader, roleName[role])
		defer func() { f.gray.record(name, role, sw.Status, err != nil, time.Since(start)) }()
	}
	out, err := inv.Invoke(ctx, event)
	if err == nil {
		err = f.codec.write(out, sw)
	}
	if err != nil {
		f.log.Error(name+" failed", "error", err)
		if sw.Status == 0 {
			// What a function URL or HTTP trigger answers for a failed
			// function (502), in the API's error shape.
			sw.Header().Set("Content-Type", "application/json")
			sw.WriteHeader(http.StatusBadGateway)
			_, _ = sw.Write(wire.Marshal(todo.Internal, "The function failed; see the localcloud output."))
		}
	}
}

// invoker is the function to invoke for one call of name, and with a
// gray release the build it is (production or candidate; -1 for none).
func (f *front) invoker(name string) (invoker, int) {
	prod := f.fns[name]
	if f.gray == nil || prod == nil {
		return prod, -1
	}
	return f.gray.pick(name, prod)
}

// notAllowed answers a method that no function of the pattern serves, as
// the API does: 405 with every method of the pattern in Allow.
func notAllowed(w http.ResponseWriter, r *http.Request, routes []target) {
	var allow []string
	for _, rt := range routes {
		allow = append(allow, rt.method)
	}
	w.Header().Set("Allow", strings.Join(append(allow, http.MethodOptions), ", "))
	wire.Error(w, todo.MethodNotAllowed, fmt.Sprintf("%s is not allowed here; use %s.", r.Method, strings.Join(allow, " or ")))
}

// serveJWKS answers with the JWK Set document jwks, as the web bucket
// serves build/jwks.json at /.well-known/jwks.json.
func serveJWKS(w http.ResponseWriter, r *http.Request, jwks []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(jwks))
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/todofn/todofn/pkg/api"
)

// maxEventBody is the largest request body the front turns into an event:
// the 6 MB invocation payload limit of Lambda, less room for the envelope.
const maxEventBody = 6<<20 - 64<<10

// front is the one origin in front of every function: each API request
// becomes its route's function-URL or HTTP-trigger event, the function's
// answer becomes the HTTP response. It also serves the web app, its
// /config.json and /healthz.
type front struct {
	origin  string // this server's origin, e.g. http://127.0.0.1:8080
	mailbox string // the dev mailbox's web UI, if any
	web     http.FileSystem
	codec   codec
	fns     map[string]invoker // by function name
	log     *slog.Logger

	mux       *http.ServeMux         // path patterns only, to find a request's pattern
	byPattern map[string][]api.Route // the routes of each pattern
	notFound  http.Handler           // the API's own 404
	ambiguous map[string]http.Handler
}

// newFront builds the route table from the API's own routes, so it lists
// exactly what each function serves.
func newFront(origin, mailbox string, web http.FileSystem, c codec, fns map[string]invoker, log *slog.Logger) *front {
	f := &front{origin: origin, mailbox: mailbox, web: web, codec: c, fns: fns, log: log,
		mux: http.NewServeMux(), byPattern: map[string][]api.Route{}, ambiguous: map[string]http.Handler{}}
	// A Server without stores: only the route table and the error writer
	// are used, never a route's handler.
	errs := &api.Server{Log: slog.New(slog.DiscardHandler)}
	for _, name := range api.Functions {
		for _, rt := range errs.Function(name) {
			if _, seen := f.byPattern[rt.Pattern]; !seen {
				f.mux.Handle(rt.Pattern, http.NotFoundHandler())
			}
			f.byPattern[rt.Pattern] = append(f.byPattern[rt.Pattern], rt)
		}
	}
	for p, rts := range f.byPattern {
		// A method no function of the pattern serves: the API's 405 with
		// every method in Allow (a route's handler is never reached).
		f.ambiguous[p] = errs.Handler(rts...)
	}
	f.notFound = errs.Handler()
	return f
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := f.mux.Handler(r); pattern != "" {
		f.dispatch(w, r, pattern)
		return
	}
	switch r.URL.Path {
	case "/healthz":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
		return
	case "/config.json":
		f.config(w)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if file, err := f.web.Open(r.URL.Path); err == nil {
			file.Close()
			http.FileServer(f.web).ServeHTTP(w, r)
			return
		}
	}
	f.notFound.ServeHTTP(w, r)
}

// config is the web app's /config.json: every function at this origin.
func (f *front) config(w http.ResponseWriter) {
	fns := map[string]string{}
	for _, name := range api.Functions {
		fns[name] = f.origin
	}
	cfg := map[string]any{"functions": fns}
	if f.mailbox != "" {
		cfg["mailbox"] = f.mailbox
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(cfg)
}

// choose returns the function that gets r among the routes of its pattern:
// the one serving r's method (GET for HEAD); for a CORS preflight, the one
// serving the method asked for, else the pattern's first; for another
// method, the pattern's only function so that it answers the 405 itself.
// It returns "" when several functions share the pattern and none serves
// the method.
func choose(r *http.Request, routes []api.Route) string {
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
		if rt.Method == method {
			return rt.Function
		}
	}
	if r.Method == http.MethodOptions {
		return routes[0].Function
	}
	first := routes[0].Function
	if slices.IndexFunc(routes, func(rt api.Route) bool { return rt.Function != first }) < 0 {
		return first
	}
	return ""
}

// dispatch invokes the function for r and writes its answer.
func (f *front) dispatch(w http.ResponseWriter, r *http.Request, pattern string) {
	start := time.Now()
	name := choose(r, f.byPattern[pattern])
	if name == "" {
		f.ambiguous[pattern].ServeHTTP(w, r)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		f.log.Info(fmt.Sprintf("%s %s -> %s %d", r.Method, r.URL.RequestURI(), name, sw.status),
			"ms", time.Since(start).Milliseconds())
	}()
	r.Body = http.MaxBytesReader(sw, r.Body, maxEventBody)
	event, err := f.codec.event(r, newRequestID())
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(sw, http.StatusRequestEntityTooLarge, "too_large", "The request body is too large for a function.")
		return
	}
	if err != nil {
		writeError(sw, http.StatusBadRequest, "invalid_request", "The request body could not be read.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), functionTimeout+5*time.Second)
	defer cancel()
	out, err := f.fns[name].Invoke(ctx, event)
	if err == nil {
		err = f.codec.write(out, sw)
	}
	if err != nil {
		f.log.Error(name+" failed", "error", err)
		if sw.status == 0 {
			// What a function URL or HTTP trigger answers for a failed
			// function, in the API's error shape.
			writeError(sw, http.StatusBadGateway, "internal", "The function failed; see the localcloud output.")
		}
	}
}

// writeError writes the front's own errors (the platform's, not a
// function's) in the API's error shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// statusWriter records the status written, for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and MaxBytesReader) reach the
// underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

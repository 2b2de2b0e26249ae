// Package api is the HTTP face of the functions: one constructor per
// function, each returning that function's handlers, and the Server that
// mounts them on the routes of package route with CORS, request IDs, the
// access log and the one error writer. Handlers only decode a request, call
// a service through a small interface defined here, and encode the answer;
// they see only net/http, and package platform adapts them to each cloud's
// events.
package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/rs/cors"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// Server holds what every function's handlers share. Build it once per
// process.
type Server struct {
	// Tokens checks bearer tokens on the routes that need a user.
	Tokens TokenVerifier
	// Sessions finds the session of a bearer token; nil skips that check.
	Sessions SessionChecker
	// Cursors seals and opens paging cursors.
	Cursors *Cursors
	// AppURL is the web app; GET /verify redirects to it.
	AppURL string
	// AllowedOrigins are the browser origins allowed to call the API
	// cross-origin ("*" for any); none means same-origin only.
	AllowedOrigins []string
	// Log takes the rare lines: internal errors, unavailable dependencies,
	// panics. nil means slog.Default().
	Log *slog.Logger
	// Requests writes the one line of each request (package metrics: the
	// access line, and in the cloud the deploy metrics); nil writes none.
	Requests RequestLogger

	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (see wire.ClientIP); the client IP is in every request's context
	// (todo.ClientIP).
	TrustedProxies []netip.Prefix
	// Limiter counts the per-client-IP budgets of PerIP; nil turns them off.
	Limiter *limit.Limiter
	// PerIP is the budget of requests each client IP may send to a
	// function, by function name (sign-up and verify); a function not in it
	// has none.
	PerIP map[string]limit.Budget
}

// RequestLogger writes the one line of a request, once its handler has
// returned: r as the handler saw it (its request ID in the context), the
// function of the route table that served it ("" if none did), the status
// written (0 if nothing was), and when it started and ended.
type RequestLogger interface {
	LogRequest(r *http.Request, route string, status int, start, end time.Time)
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// handlerFunc is a handler that reports failure by returning an error,
// which the Server writes as the error envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handlers is one function's handlers, by HTTP method, for the routes the
// route table gives it.
type Handlers struct {
	Name     string
	handlers map[string]handlerFunc
}

// Methods returns the methods f has handlers for, sorted.
func (f Handlers) Methods() []string {
	var out []string
	for m := range f.handlers {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// Handler is Mount for wiring that cannot go wrong (tests, the local
// server's full table): it panics where Mount returns an error.
func (s *Server) Handler(fns ...Handlers) http.Handler {
	h, err := s.Mount(fns...)
	if err != nil {
		panic(err)
	}
	return h
}

// Mount serves fns on their routes from the route table: other paths get
// a 404 and other methods a 405 (with Allow), both as JSON errors; HEAD is
// served by a GET handler. It answers CORS preflights for AllowedOrigins,
// recovers panics as 500s and hands every request to Requests, for its one
// line with the request ID, route, status and latency.
//
// Mount fails, at start-up, when a function or a PerIP budget names no
// HTTP function of the route table, or a function has no handler for any
// of its routes: such a mistake would otherwise serve nothing but 404s.
func (s *Server) Mount(fns ...Handlers) (http.Handler, error) {
	for name := range s.PerIP {
		if f, ok := route.Lookup(name); !ok || !f.HTTP() {
			return nil, fmt.Errorf("api: PerIP names %q, which is no HTTP function of the route table", name)
		}
	}
	mux := http.NewServeMux()
	methods := []string{http.MethodOptions}
	type target struct {
		fn     string
		method string
		h      handlerFunc
	}
	byPattern := map[string][]target{}
	for _, fn := range fns {
		rf, ok := route.Lookup(fn.Name)
		if !ok || !rf.HTTP() {
			return nil, fmt.Errorf("api: function %q is no HTTP function of the route table", fn.Name)
		}
		mounted := false
		for _, rt := range rf.Routes {
			if h, ok := fn.handlers[rt.Method]; ok {
				byPattern[rt.Pattern] = append(byPattern[rt.Pattern], target{fn.Name, rt.Method, h})
				mounted = true
				if !slices.Contains(methods, rt.Method) {
					methods = append(methods, rt.Method)
				}
			}
		}
		if !mounted {
			return nil, fmt.Errorf("api: function %q has no handler for its routes %v", fn.Name, rf.Routes)
		}
	}
	for pattern, ts := range byPattern {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			var allow []string
			for _, t := range ts {
				if r.Method == t.method || (r.Method == http.MethodHead && t.method == http.MethodGet) {
					wire.SetRoute(w, t.fn)
					s.serve(w, r, t.fn, t.h)
					return
				}
				allow = append(allow, t.method)
			}
			w.Header().Set("Allow", strings.Join(append(allow, http.MethodOptions), ", "))
			s.fail(w, r, todo.Errorf(todo.MethodNotAllowed, "%s is not allowed here; use %s.", r.Method, strings.Join(allow, " or ")))
		})
	}
	if _, ok := byPattern["/"]; !ok {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s.fail(w, r, todo.Errorf(todo.NotFound, "There is nothing at %s.", r.URL.Path))
		})
	}
	return s.middleware(s.cors(methods).Handler(mux)), nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, fn string, h handlerFunc) {
	if err := s.takeIPBudget(r, fn); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := h(w, r); err != nil {
		s.fail(w, r, err)
	}
}

// takeIPBudget counts r against its client's budget for fn, if fn has
// one: an IPv4 address's, or an IPv6 address's /64 (todo.NetworkOf), as
// one subscriber may use every address of its prefix.
func (s *Server) takeIPBudget(r *http.Request, fn string) error {
	b := s.PerIP[fn]
	ip := todo.ClientIP(r.Context())
	if s.Limiter == nil || b.Off() || ip == "" {
		return nil
	}
	_, err := s.Limiter.Take(r.Context(), "ip:"+fn+":"+todo.NetworkOf(ip), b, "Too many requests from your network.")
	return err
}

// fail is the only writer of error responses: the envelope from package
// wire, and the cause of an internal error in the log with the request ID.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch wire.WriteError(w, err) {
	case todo.Internal:
		s.logInternal(r, err)
	case todo.Unavailable:
		// A dependency is failing: the client retries, the operator should know.
		s.log().LogAttrs(r.Context(), slog.LevelWarn, "unavailable",
			slog.String("request_id", wire.RequestID(r.Context())), slog.String("error", err.Error()))
	}
}

// logInternal logs an internal error with the request ID: the one place the
// cause of a 500 is recorded.
func (s *Server) logInternal(r *http.Request, err error) {
	s.log().LogAttrs(r.Context(), slog.LevelError, "internal error",
		slog.String("request_id", wire.RequestID(r.Context())), slog.String("error", err.Error()))
}

func (s *Server) cors(methods []string) *cors.Cors {
	opts := cors.Options{
		AllowedMethods: methods,
		AllowedHeaders: []string{"Authorization", "Content-Type", "Idempotency-Key", "If-Match", wire.RequestIDHeader},
		ExposedHeaders: []string{"Retry-After", "WWW-Authenticate", wire.RequestIDHeader, "Location", "Idempotent-Replayed", "ETag"},
		MaxAge:         600,
	}
	if len(s.AllowedOrigins) == 0 {
		// cors treats an empty list as "any origin": refuse all instead.
		opts.AllowOriginFunc = func(string) bool { return false }
	} else {
		opts.AllowedOrigins = s.AllowedOrigins
	}
	return cors.New(opts)
}

// The values of the headers every answer carries, shared by all answers
// rather than allocated per request (http.Header.Set makes a new slice
// each time). They are never changed in place: net/http only reads header
// values, a handler's Set replaces the slice, and an Add appends to a full
// slice, which copies it (TestSharedHeaderValues). The keys are in
// canonical form (textproto.CanonicalMIMEHeaderKey), as Set would make
// them.
var (
	nosniff         = []string{"nosniff"}
	noStore         = []string{"no-store"}
	jsonContentType = []string{"application/json; charset=utf-8"}
)

// middleware gives every request an ID (the platform's, a well-formed
// client X-Request-Id, or a fresh one), sets the headers every answer
// carries, recovers a panic as a 500 and has Requests write its one line.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := r.Context()
		id := wire.RequestID(ctx)
		if id == "" {
			ctx = wire.WithRequestID(ctx, r.Header.Get(wire.RequestIDHeader))
			id = wire.RequestID(ctx)
		}
		r = r.WithContext(todo.WithClientIP(ctx, wire.ClientIP(r, s.TrustedProxies))) // one copy of r
		h := w.Header()
		h[wire.RequestIDHeader] = []string{id}
		h["X-Content-Type-Options"] = nosniff
		h["Cache-Control"] = noStore
		sw := &wire.StatusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.recovered(sw, r, p)
			}
			if s.Requests != nil {
				s.Requests.LogRequest(r, sw.Route, sw.Status, start, time.Now())
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// recovered answers a panic with a 500 if nothing was written yet, and logs
// it either way; http.ErrAbortHandler keeps its meaning.
func (s *Server) recovered(sw *wire.StatusWriter, r *http.Request, p any) {
	if p == http.ErrAbortHandler {
		panic(p)
	}
	err := fmt.Errorf("panic: %v\n%s", p, debug.Stack())
	if sw.Status == 0 {
		s.fail(sw, r, err)
		return
	}
	s.log().Error("panic after response started", "request_id", wire.RequestID(r.Context()), "error", err.Error())
}

// AccountService is everything the account functions call.
type AccountService interface {
	Registrar
	AddressVerifier
	Authenticator
	Refresher
	LogoutService
	PasswordService
	AccountDeleter
}

// TodoService is everything the todo functions call.
type TodoService interface {
	TodoLister
	TodoAdder
	TodoUpdater
	TodoDeleter
	TodoClearer
	TodoMarker
}

// All returns every HTTP function, in the order of the route table, for a
// server that serves them all (the local server, tests); a deployed
// function builds only its own.
func (s *Server) All(accounts AccountService, todos TodoService) []Handlers {
	return []Handlers{s.Register(accounts), s.Verify(accounts), s.Login(accounts),
		s.Refresh(accounts), s.Logout(accounts), s.ForgotPassword(accounts), s.ResetPassword(accounts),
		s.ChangePassword(accounts), s.DeleteAccount(accounts),
		s.ListTodos(todos), s.AddTodo(todos), s.UpdateTodo(todos), s.DeleteTodo(todos),
		s.ClearTodos(todos), s.MarkAllTodos(todos)}
}

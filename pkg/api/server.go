// Package api is the HTTP face of the functions: one route constructor per
// function, the JSON helpers, the bearer-token check and the single error
// writer. Handlers see only net/http; package platform adapts them to each
// cloud's events.
package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/rs/cors"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/todo"
)

// TokenVerifier checks a bearer token and returns its user ID, or a
// todo.Unauthorized error.
type TokenVerifier interface {
	Verify(token string) (userID string, err error)
}

// Server holds what the handlers need. Build it once per process.
type Server struct {
	Accounts *account.Service
	Todos    todo.TodoStore
	Claims   todo.ClaimStore // Idempotency-Key records
	Tokens   TokenVerifier
	Cursors  *Cursors
	// AppURL is the web app; GET /verify redirects to it.
	AppURL string
	// AllowedOrigins are the browser origins allowed to call the API
	// cross-origin ("*" for any); none means same-origin only.
	AllowedOrigins []string
	Log            *slog.Logger     // nil means slog.Default()
	Now            func() time.Time // nil means time.Now
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Route is one method and path pattern (net/http ServeMux syntax, e.g.
// "/todos/{id}") served by one function.
type Route struct {
	Function string // the function that serves it, e.g. "todos-add"
	Method   string
	Pattern  string
	Handler  http.Handler
}

// Routes returns every route of every function, for the local server.
func (s *Server) Routes() []Route {
	var all []Route
	for _, f := range Functions {
		all = append(all, s.Function(f)...)
	}
	return all
}

// Functions names the HTTP functions, in the order the README lists them.
var Functions = []string{"register", "verify", "login", "todos-list", "todos-add", "todos-update", "todos-delete"}

// Function returns the routes one function serves, or nil for an unknown
// name.
func (s *Server) Function(name string) []Route {
	switch name {
	case "register":
		return []Route{s.Register()}
	case "verify":
		return s.Verify()
	case "login":
		return []Route{s.Login()}
	case "todos-list":
		return []Route{s.ListTodos()}
	case "todos-add":
		return []Route{s.AddTodo()}
	case "todos-update":
		return []Route{s.UpdateTodo()}
	case "todos-delete":
		return []Route{s.DeleteTodo()}
	}
	return nil
}

// Handler serves exactly the given routes: other paths get a 404 and other
// methods a 405 (with Allow), both as JSON errors. It answers CORS
// preflights for AllowedOrigins, recovers panics as 500s and logs one line
// per request with the request ID, route, status and latency.
func (s *Server) Handler(routes ...Route) http.Handler {
	mux := http.NewServeMux()
	byPattern := map[string][]Route{}
	var order []string
	methods := []string{http.MethodOptions}
	for _, rt := range routes {
		if _, seen := byPattern[rt.Pattern]; !seen {
			order = append(order, rt.Pattern)
		}
		byPattern[rt.Pattern] = append(byPattern[rt.Pattern], rt)
		if !slices.Contains(methods, rt.Method) {
			methods = append(methods, rt.Method)
		}
	}
	for _, p := range order {
		rts := byPattern[p]
		mux.Handle(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var allow []string
			for _, rt := range rts {
				if r.Method == rt.Method || (r.Method == http.MethodHead && rt.Method == http.MethodGet) {
					setRoute(w, rt.Function)
					rt.Handler.ServeHTTP(w, r)
					return
				}
				allow = append(allow, rt.Method)
			}
			w.Header().Set("Allow", strings.Join(append(allow, http.MethodOptions), ", "))
			s.writeError(w, r, todo.Errorf(todo.MethodNotAllowed, "%s is not allowed here; use %s.", r.Method, strings.Join(allow, " or ")))
		}))
	}
	if _, ok := byPattern["/"]; !ok {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, todo.Errorf(todo.NotFound, "There is nothing at %s.", r.URL.Path))
		})
	}
	return s.middleware(s.cors(methods).Handler(mux))
}

func (s *Server) cors(methods []string) *cors.Cors {
	opts := cors.Options{
		AllowedMethods: methods,
		AllowedHeaders: []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"},
		ExposedHeaders: []string{"Retry-After", "WWW-Authenticate", "X-Request-Id", "Location", "Idempotent-Replayed"},
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

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// statusWriter records the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	route  string
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

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func setRoute(w http.ResponseWriter, name string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.route = name
	}
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := r.Context()
		id := todo.RequestID(ctx)
		if id == "" {
			if h := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(h) {
				id = h
			} else {
				b := make([]byte, 12)
				_, _ = rand.Read(b)
				id = hex.EncodeToString(b)
			}
			r = r.WithContext(todo.WithRequestID(ctx, id))
		}
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				err := fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				if sw.status == 0 {
					s.writeError(sw, r, err)
				} else {
					s.log().Error("panic after response started", "request_id", id, "error", err.Error())
				}
			}
			route := sw.route
			if route == "" {
				route = "-"
			}
			s.log().LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", id), slog.String("route", route), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", sw.status),
				slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000))
		}()
		next.ServeHTTP(sw, r)
	})
}

// RequireUser lets a request through only with a valid bearer token, and
// puts the user ID into its context (todo.UserID).
func (s *Server) RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			s.writeError(w, r, todo.Errorf(todo.Unauthorized, "Log in first: send Authorization: Bearer <access token>."))
			return
		}
		uid, err := s.Tokens.Verify(token)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(todo.WithUserID(r.Context(), uid)))
	})
}

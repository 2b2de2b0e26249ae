package platform

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runPlain runs run on a free port of 127.0.0.1 and returns the base URL
// and a stop function that cancels ctx and returns Run's error.
func runPlain(t *testing.T, run func(ctx context.Context, env func(string) string) error) (string, func() error) {
	t.Helper()
	needServe(t)
	port := strconv.Itoa(freePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, envOf(map[string]string{EnvHost: "127.0.0.1", EnvPort: port})) }()
	stopped := false
	stop := func() error {
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})
	waitListening(t, "127.0.0.1:"+port)
	return "http://127.0.0.1:" + port, stop
}

var hexID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestPlainHTTP(t *testing.T) {
	base, stop := runPlain(t, func(ctx context.Context, env func(string) string) error {
		return Run(ctx, env, echoHandler())
	})
	tests := []struct {
		name   string
		header map[string]string
		wantID func(string) bool
	}{
		{"client request id kept", map[string]string{"X-Request-Id": "client-1.2:3_4"}, func(id string) bool { return id == "client-1.2:3_4" }},
		{"malformed request id replaced", map[string]string{"X-Request-Id": "bad id\u00e9"}, hexID.MatchString},
		{"too long request id replaced", map[string]string{"X-Request-Id": strings.Repeat("a", 129)}, hexID.MatchString},
		{"fc request id ignored outside FC", map[string]string{"X-Fc-Request-Id": "fc-1"}, hexID.MatchString},
		{"fresh id", nil, hexID.MatchString},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", base+"/todos?x=1", strings.NewReader("hi"))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := decodeSeen(t, body)
			if resp.StatusCode != 201 || got.RequestURI != "/todos?x=1" || got.Body != "hi" {
				t.Errorf("status %d, handler saw %+v", resp.StatusCode, got)
			}
			if !tt.wantID(got.RequestID) {
				t.Errorf("request id = %q", got.RequestID)
			}
		})
	}
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("server still answering after ctx was cancelled")
	}
}

func TestPlainHTTPShutdownWaitsForRequests(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	base, stop := runPlain(t, func(ctx context.Context, env func(string) string) error { return Run(ctx, env, h) })
	type answer struct {
		body string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			got <- answer{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- answer{string(b), err}
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	close(release)
	if a := <-got; a.err != nil || a.body != "done" {
		t.Errorf("in-flight request got %q, %v", a.body, a.err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestFCCustomRuntimeRequestID(t *testing.T) {
	h := plainHTTP(echoHandler(), true)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Fc-Request-Id", "1-abc-def")
	r.Header.Set("X-Request-Id", "client")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := decodeSeen(t, w.Body.Bytes()); got.RequestID != "1-abc-def" {
		t.Errorf("request id = %q, want FC's", got.RequestID)
	}
}

func TestPlainEvents(t *testing.T) {
	h := plainEvents(EventHandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		switch string(p) {
		case "fail":
			return nil, errors.New("secret detail")
		case "bin":
			return []byte{0xff}, nil
		}
		return json.Marshal(map[string]string{"id": wire.RequestID(ctx), "event": string(p)})
	}), false)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string // error code, or "" for success
		contentType              string
	}{
		{name: "event", method: "POST", path: "/invoke", body: "hello", status: 200, contentType: "application/json"},
		{name: "binary result", method: "POST", path: "/invoke", body: "bin", status: 200, contentType: "application/octet-stream"},
		{name: "handler error", method: "POST", path: "/invoke", body: "fail", status: 500, code: todo.Internal},
		{name: "wrong method", method: "GET", path: "/invoke", status: 405, code: todo.MethodNotAllowed},
		{name: "wrong path", method: "POST", path: "/", status: 404, code: todo.NotFound},
		{name: "too large", method: "POST", path: "/invoke", body: strings.Repeat("x", maxEventBytes+1), status: 413, code: todo.TooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			r.Header.Set("X-Request-Id", "rid-9")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body.Bytes())
			}
			if tt.code == "" {
				if ct := w.Header().Get("Content-Type"); ct != tt.contentType {
					t.Errorf("Content-Type = %q, want %q", ct, tt.contentType)
				}
				if tt.body == "hello" && w.Body.String() != `{"event":"hello","id":"rid-9"}` {
					t.Errorf("body = %s", w.Body.Bytes())
				}
				return
			}
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("error body %s (%v), want code %s", w.Body.Bytes(), err, tt.code)
			}
			if strings.Contains(w.Body.String(), "secret detail") {
				t.Error("handler error leaked into the response")
			}
		})
	}
}

func TestPlainEventsRun(t *testing.T) {
	base, stop := runPlain(t, func(ctx context.Context, env func(string) string) error {
		return RunEvents(ctx, env, EventHandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) { return p, nil }))
	})
	resp, err := http.Post(base+"/invoke", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"a":1}` {
		t.Errorf("POST /invoke = %d %s", resp.StatusCode, b)
	}
	if err := stop(); err != nil {
		t.Errorf("RunEvents: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Setenv(EnvLambdaRuntimeAPI, "")
	t.Setenv(EnvFCRuntimeAPI, "")
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"port in use", map[string]string{EnvHost: "127.0.0.1", EnvPort: port}, "platform: listen on 127.0.0.1:" + port},
		{"lambda address only in env func", map[string]string{EnvLambdaRuntimeAPI: "127.0.0.1:1"}, "AWS_LAMBDA_RUNTIME_API"},
		{"fc address only in env func", map[string]string{EnvFCRuntimeAPI: "127.0.0.1:1"}, "FC_RUNTIME_API"},
	}
	if !hasServe { // the deployed AWS build refuses to serve plain HTTP at all
		tests[0].want = "no plain HTTP server"
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, run := range []func() error{
				func() error { return Run(ctx, envOf(tt.env), echoHandler()) },
				func() error { return RunEvents(ctx, envOf(tt.env), EventHandlerFunc(nil)) },
			} {
				if err := run(); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %v, want it to mention %q", err, tt.want)
				}
			}
		})
	}
}

func TestListenAddr(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"defaults", nil, "127.0.0.1:9000"},
		{"host and port", map[string]string{EnvHost: "::1", EnvPort: "8080"}, "[::1]:8080"},
		{"fc custom runtime", map[string]string{EnvFCListenPort: "9001", EnvPort: "8080"}, "0.0.0.0:9001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listenAddr(envOf(tt.env)); got != tt.want {
				t.Errorf("listenAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	t.Setenv(EnvLambdaRuntimeAPI, "127.0.0.1:9001")
	t.Setenv(EnvFCRuntimeAPI, "127.0.0.1:9002")
	tests := []struct {
		name string
		env  map[string]string
		want mode
	}{
		{"lambda first", map[string]string{EnvLambdaRuntimeAPI: "127.0.0.1:9001", EnvFCRuntimeAPI: "127.0.0.1:9002"}, modeLambda},
		{"fc", map[string]string{EnvFCRuntimeAPI: "127.0.0.1:9002"}, modeFC},
		{"plain", map[string]string{EnvPort: "1"}, modeHTTP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := choose(envOf(tt.env))
			if err != nil || got != tt.want {
				t.Errorf("choose = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

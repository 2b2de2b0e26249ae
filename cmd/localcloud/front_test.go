package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/todofn/todofn/internal/fcruntimetest"
	"github.com/todofn/todofn/internal/lambdaurltest"
	"github.com/todofn/todofn/pkg/route"
)

// echoFn is a fake function behind a function URL: it answers 200 with its
// name, the method and the raw path it was given.
type echoFn struct{ name string }

func (f echoFn) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev lambdaurltest.Request
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	body := f.name + " " + ev.RequestContext.HTTP.Method + " " + ev.RawPath + " " + ev.Body
	return json.Marshal(lambdaurltest.Response{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Body: body})
}

// invokerFunc adapts a function to invoker.
type invokerFunc func(context.Context, []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, p []byte) ([]byte, error) { return f(ctx, p) }

func testFront(t *testing.T, c codec, fns map[string]invoker) *front {
	t.Helper()
	if fns == nil {
		fns = map[string]invoker{}
		for _, name := range functions {
			fns[name] = echoFn{name}
		}
	}
	web := http.FS(fstest.MapFS{"index.html": {Data: []byte("<h1>todofn</h1>")}, "app.js": {Data: []byte("//")}})
	return newFront("http://127.0.0.1:8080", "http://127.0.0.1:8025/", web, c, fns, slog.New(slog.DiscardHandler))
}

func serve(h http.Handler, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", w.Body.String(), err)
	}
	return body.Error.Code
}

// TestFrontRoutesEveryAPIRoute sends each route the API declares to the
// front and checks that its own function gets it.
func TestFrontRoutesEveryAPIRoute(t *testing.T) {
	f := testFront(t, lambdaCodec, nil)
	n := 0
	for _, fn := range route.HTTPFunctions() {
		for _, rt := range fn.Routes {
			n++
			path := strings.ReplaceAll(rt.Pattern, "{id}", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
			w := serve(f, rt.Method, path+"?x=1", strings.NewReader(`{"a":1}`))
			want := fn.Name + " " + rt.Method + " " + path + ` {"a":1}`
			if w.Code != 200 || w.Body.String() != want {
				t.Errorf("%s %s: %d %q, want %q", rt.Method, path, w.Code, w.Body.String(), want)
			}
		}
	}
	if n < len(route.HTTPFunctions()) {
		t.Fatalf("only %d routes", n)
	}
}

func TestFrontDispatch(t *testing.T) {
	f := testFront(t, lambdaCodec, nil)
	tests := []struct {
		name, method, path string
		hdr                []string
		want               string // the function that answers, if one does
		status             int    // else the front's status
		code               string
		allow              string
	}{
		{name: "head is get", method: "HEAD", path: "/todos", want: "todos-list"},
		{name: "preflight for add", method: "OPTIONS", path: "/todos", hdr: []string{"Access-Control-Request-Method", "POST"}, want: "todos-add"},
		{name: "preflight for list", method: "OPTIONS", path: "/todos", hdr: []string{"Access-Control-Request-Method", "GET"}, want: "todos-list"},
		{name: "preflight for delete", method: "OPTIONS", path: "/todos/x", hdr: []string{"Access-Control-Request-Method", "DELETE"}, want: "todos-delete"},
		{name: "bare options", method: "OPTIONS", path: "/todos/x", want: "todos-update"},
		{name: "preflight for clear", method: "OPTIONS", path: "/todos", hdr: []string{"Access-Control-Request-Method", "DELETE"}, want: "todos-clear"},
		{name: "preflight for mark all", method: "OPTIONS", path: "/todos", hdr: []string{"Access-Control-Request-Method", "PATCH"}, want: "todos-mark-all"},
		{name: "one function answers its own 405", method: "GET", path: "/register", want: "register"},
		{name: "one function, two methods", method: "PUT", path: "/verify", want: "verify"},
		{name: "shared path, unknown method", method: "PUT", path: "/todos", status: 405, code: "method_not_allowed", allow: "GET, POST, DELETE, PATCH, OPTIONS"},
		{name: "shared item path, unknown method", method: "POST", path: "/todos/x", status: 405, code: "method_not_allowed", allow: "PATCH, DELETE, OPTIONS"},
		{name: "unknown path", method: "GET", path: "/nothing", status: 404, code: "not_found"},
		{name: "post to a file", method: "POST", path: "/index.html", status: 404, code: "not_found"},
		{name: "nested unknown path", method: "GET", path: "/todos/x/y", status: 404, code: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(f, tt.method, tt.path, nil, tt.hdr...)
			if tt.want != "" {
				if !strings.HasPrefix(w.Body.String(), tt.want+" "+tt.method+" ") && !(tt.method == "HEAD" && w.Code == 200) {
					t.Fatalf("got %d %q, want %s to answer", w.Code, w.Body.String(), tt.want)
				}
				return
			}
			if w.Code != tt.status || errCode(t, w) != tt.code || w.Header().Get("Allow") != tt.allow {
				t.Fatalf("got %d %q Allow %q, want %d %s Allow %q", w.Code, w.Body.String(), w.Header().Get("Allow"), tt.status, tt.code, tt.allow)
			}
		})
	}
}

func TestFrontOwnPages(t *testing.T) {
	f := testFront(t, lambdaCodec, nil)
	if w := serve(f, "GET", "/healthz", nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"ok"`) {
		t.Errorf("healthz: %d %s", w.Code, w.Body.String())
	}
	w := serve(f, "GET", "/config.json", nil)
	var cfg struct {
		Functions map[string]string
		Mailbox   string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &cfg); err != nil || w.Code != 200 {
		t.Fatalf("config.json: %d %s", w.Code, w.Body.String())
	}
	if len(cfg.Functions) != len(route.HTTPFunctions()) || cfg.Functions["todos-add"] != "http://127.0.0.1:8080" || cfg.Mailbox != "http://127.0.0.1:8025/" {
		t.Errorf("config.json: %+v", cfg)
	}
	if w := serve(f, "GET", "/", nil); w.Code != 200 || w.Body.String() != "<h1>todofn</h1>" {
		t.Errorf("index: %d %q", w.Code, w.Body.String())
	}
	if w := serve(f, "GET", "/app.js", nil); w.Code != 200 || w.Body.String() != "//" {
		t.Errorf("app.js: %d %q", w.Code, w.Body.String())
	}
}

func TestFrontFunctionFailures(t *testing.T) {
	tests := []struct {
		name string
		fn   invokerFunc
	}{
		{"function error", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("boom") }},
		{"not a response", func(context.Context, []byte) ([]byte, error) { return []byte(`"just a string"`), nil }},
		{"status out of range", func(context.Context, []byte) ([]byte, error) { return []byte(`{"statusCode":42}`), nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFront(t, lambdaCodec, map[string]invoker{"register": tt.fn})
			w := serve(f, "POST", "/register", strings.NewReader("{}"))
			if w.Code != http.StatusBadGateway || errCode(t, w) != "internal" {
				t.Fatalf("got %d %s", w.Code, w.Body.String())
			}
		})
	}
	t.Run("body too large", func(t *testing.T) {
		f := testFront(t, lambdaCodec, nil)
		w := serve(f, "POST", "/register", strings.NewReader(strings.Repeat("x", maxEventBody+1)))
		if w.Code != http.StatusRequestEntityTooLarge || errCode(t, w) != "payload_too_large" {
			t.Fatalf("got %d %s", w.Code, w.Body.String())
		}
	})
}

// TestFrontFC checks the FC3 HTTP-trigger shape both ways.
func TestFrontFC(t *testing.T) {
	var seen fcruntimetest.HTTPTriggerEvent
	fn := invokerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		if err := json.Unmarshal(payload, &seen); err != nil {
			return nil, err
		}
		return json.Marshal(fcruntimetest.HTTPTriggerResponse{StatusCode: 201, Headers: map[string]string{"Location": "/todos/1"}, Body: `{"id":"1"}`})
	})
	f := testFront(t, fcCodec, map[string]invoker{"todos-add": fn})
	w := serve(f, "POST", "/todos?x=1", strings.NewReader(`{"title":"milk"}`), "Authorization", "Bearer t")
	if w.Code != 201 || w.Header().Get("Location") != "/todos/1" || w.Body.String() != `{"id":"1"}` {
		t.Fatalf("got %d %v %s", w.Code, w.Header(), w.Body.String())
	}
	if seen.RequestContext.HTTP.Method != "POST" || seen.RawPath != "/todos" || seen.QueryParameters["x"] != "1" ||
		seen.Headers["Authorization"] != "Bearer t" || seen.Body != `{"title":"milk"}` || seen.RequestContext.RequestID == "" {
		t.Fatalf("event %+v", seen)
	}
}

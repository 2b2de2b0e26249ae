package platform

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/fcruntimetest"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// runCustom runs h as FC's custom runtime runs it: RunEvents with only
// FC_CUSTOM_LISTEN_PORT set, as FC sets it from customRuntimeConfig.port.
// It returns the address the server listens on and a loopback URL to it.
func runCustom(t *testing.T, h EventHandler) (net.Addr, string) {
	t.Helper()
	needServe(t)
	port := strconv.Itoa(freePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- RunEvents(ctx, envOf(map[string]string{EnvFCListenPort: port}), h,
			OnListen(func(a net.Addr) { listening <- a }))
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunEvents: %v", err)
		}
	})
	var addr net.Addr
	select {
	case addr = <-listening:
	case err := <-done:
		t.Fatalf("RunEvents: %v", err)
	}
	waitListening(t, "127.0.0.1:"+port)
	return addr, "http://127.0.0.1:" + port
}

// The server listens where FC's documentation says it must: on every
// interface (0.0.0.0), at FC_CUSTOM_LISTEN_PORT.
func TestFCCustomRuntimeListens(t *testing.T) {
	addr, _ := runCustom(t, EventHandlerFunc(func(context.Context, []byte) ([]byte, error) { return nil, nil }))
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		t.Errorf("listening on %v, want 0.0.0.0 (FC cannot reach 127.0.0.1)", addr)
	}
	// FC_SERVER_PORT is documented nowhere: alone, it does not make the
	// FC custom runtime (and its port is not used).
	if got := listenAddr(envOf(map[string]string{"FC_SERVER_PORT": "9001"})); got != "127.0.0.1:9000" {
		t.Errorf("listenAddr with FC_SERVER_PORT only = %q, want the local default", got)
	}
}

// Every answer to an event invocation carries x-fc-status, and a failed
// event (an error, a panic, an unreadable body) answers 404 with
// x-fc-status 404, which FC counts as a failure (so a trigger retries);
// success is 200 with x-fc-status 200. The function's timeout, from
// x-fc-function-timeout, sets the handler's deadline.
func TestFCCustomRuntimeEventStatus(t *testing.T) {
	var deadline time.Duration
	h := EventHandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		if d, ok := ctx.Deadline(); ok {
			deadline = time.Until(d)
		}
		switch string(p) {
		case `"fail"`:
			return nil, errors.New("store down")
		case `"panic"`:
			panic("mailer bug")
		}
		return json.Marshal(map[string]string{"requestId": wire.RequestID(ctx)})
	})
	_, base := runCustom(t, h)
	ctx := context.Background()
	tests := []struct {
		name        string
		payload     string
		timeout     time.Duration
		status      int
		failed      bool
		code        string
		maxDeadline time.Duration
	}{
		{name: "success", payload: `{"Records":[]}`, timeout: 10 * time.Second, status: 200, maxDeadline: 9 * time.Second},
		{name: "handler error", payload: `"fail"`, timeout: 10 * time.Second, status: 404, failed: true, code: todo.Internal},
		{name: "handler panic", payload: `"panic"`, timeout: 10 * time.Second, status: 404, failed: true, code: todo.Internal},
		{name: "too large", payload: strings.Repeat("x", maxEventBytes+1), timeout: 10 * time.Second, status: 404, failed: true, code: todo.TooLarge},
		{name: "mailer timeout 30 s", payload: `{}`, timeout: 30 * time.Second, status: 200, maxDeadline: 29 * time.Second},
		{name: "no timeout header: the write deadline", payload: `{}`, status: 200, maxDeadline: writeTimeout - answerMargin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deadline = 0
			res, err := fcruntimetest.InvokeCustom(ctx, base, "1-abc-def", tt.timeout, []byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status || res.FCStatus != strconv.Itoa(tt.status) || res.Failed() != tt.failed {
				t.Fatalf("answer %d, x-fc-status %q (failed %v); want %d and x-fc-status %d: %s",
					res.StatusCode, res.FCStatus, res.Failed(), tt.status, tt.status, res.Body)
			}
			if tt.code != "" {
				var e struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				if err := json.Unmarshal(res.Body, &e); err != nil || e.Error.Code != tt.code {
					t.Errorf("body %s, want the envelope with code %s", res.Body, tt.code)
				}
				if strings.Contains(string(res.Body), "store down") || strings.Contains(string(res.Body), "mailer bug") {
					t.Errorf("the cause leaked: %s", res.Body)
				}
				return
			}
			if string(res.Body) != `{"requestId":"1-abc-def"}` {
				t.Errorf("body %s, want FC's request id", res.Body)
			}
			if deadline > tt.maxDeadline || deadline < tt.maxDeadline-2*time.Second {
				t.Errorf("handler deadline in %v, want about %v", deadline, tt.maxDeadline)
			}
		})
	}
	// A local server (no FC_CUSTOM_LISTEN_PORT) keeps the plain 500 and
	// sets no FC header.
	w := httptest.NewRecorder()
	plainEvents(h, false).ServeHTTP(w, httptest.NewRequest("POST", "/invoke", strings.NewReader(`"fail"`)))
	if w.Code != http.StatusInternalServerError || w.Header().Get(fcruntimetest.HeaderStatus) != "" {
		t.Errorf("local failure: %d, x-fc-status %q", w.Code, w.Header().Get(fcruntimetest.HeaderStatus))
	}
}

// An HTTP request on the custom runtime gets its deadline from the
// function's timeout too, and no x-fc-status (FC forbids x-fc- response
// headers on HTTP functions).
func TestFCCustomRuntimeHTTPDeadline(t *testing.T) {
	var got context.Context
	h := plainHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Context() }), true)
	tests := []struct {
		name, timeout string
		want          time.Duration
	}{
		{"function timeout 10 s", "10", 9 * time.Second},
		{"longer than the write timeout", "600", writeTimeout - answerMargin},
		{"malformed", "ten", writeTimeout - answerMargin},
		{"absent", "", writeTimeout - answerMargin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/todos", nil)
			if tt.timeout != "" {
				r.Header.Set(fcruntimetest.HeaderFunctionTimeout, tt.timeout)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			deadlineIn(t, got, tt.want)
			if v := w.Header().Get(fcruntimetest.HeaderStatus); v != "" {
				t.Errorf("x-fc-status %q on an HTTP answer", v)
			}
		})
	}
}

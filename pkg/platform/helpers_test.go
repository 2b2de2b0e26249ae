package platform

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/todofn/todofn/internal/proctest"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// seen is what echoHandler reports about the request it got.
type seen struct {
	Method        string `json:"method"`
	Path          string `json:"path"`
	RawPath       string `json:"rawPath"`
	Query         string `json:"query"`
	Host          string `json:"host"`
	RemoteAddr    string `json:"remoteAddr"`
	Cookie        string `json:"cookie"`
	Accept        string `json:"accept"`
	Body          string `json:"body"`
	ContentLength int64  `json:"contentLength"`
	RequestID     string `json:"requestId"`
	RequestURI    string `json:"requestURI"`
}

// echoHandler answers 201 with a JSON description of the request, two
// cookies and a two-valued Vary header.
func echoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Accept")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(seen{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Host: r.Host, RemoteAddr: r.RemoteAddr, Cookie: r.Header.Get("Cookie"),
			Accept: r.Header.Get("Accept"), Body: bodyString(body), ContentLength: r.ContentLength,
			RequestID: wire.RequestID(r.Context()), RequestURI: r.RequestURI,
		})
	})
}

// writeHandler answers with a fixed status, content type and body.
func writeHandler(status int, contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// mustNotCall fails the test if the handler runs.
func mustNotCall(tb testing.TB) http.Handler {
	tb.Helper()
	return http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		tb.Error("handler called for a malformed event")
	})
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func decodeSeen(tb testing.TB, body []byte) seen {
	tb.Helper()
	var s seen
	if err := json.Unmarshal(body, &s); err != nil {
		tb.Fatalf("decode echo body %q: %v", body, err)
	}
	return s
}

// checkInvalid checks a 400 invalid_request body in the project's shape.
func checkInvalid(tb testing.TB, status int, body []byte) {
	tb.Helper()
	if status != http.StatusBadRequest {
		tb.Errorf("status = %d, want 400", status)
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Fatalf("error body %q: %v", body, err)
	}
	if e.Error.Code != todo.Invalid || e.Error.Message == "" {
		tb.Errorf("error = %+v, want code %q and a message", e.Error, todo.Invalid)
	}
}

func binaryBody() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func todoRequestID(ctx context.Context) string { return wire.RequestID(ctx) }

// bodyString is body as text, or "base64:" and its base64 when it is not
// valid UTF-8 (JSON would replace the bad bytes).
func bodyString(body []byte) string {
	if utf8.Valid(body) {
		return string(body)
	}
	return "base64:" + base64.StdEncoding.EncodeToString(body)
}

// skipOrFail skips the test, or fails it when TODOFN_REQUIRE_SERVICES=1.
func skipOrFail(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("TODOFN_REQUIRE_SERVICES") == "1" {
		tb.Fatalf(format, args...)
	}
	tb.Skipf(format, args...)
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(tb testing.TB) int { return proctest.FreePort(tb) }

// waitListening polls addr until it accepts a connection (bounded).
func waitListening(tb testing.TB, addr string) {
	tb.Helper()
	for range 400 {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	tb.Fatalf("nothing listening on %s after 10s", addr)
}

// deadlineIn fails t unless ctx has a deadline d from now (give or take
// 100 ms).
func deadlineIn(t *testing.T, ctx context.Context, d time.Duration) {
	t.Helper()
	got, ok := ctx.Deadline()
	if !ok {
		t.Fatalf("no deadline, want one in %v", d)
	}
	if left := time.Until(got); left < d-100*time.Millisecond || left > d+100*time.Millisecond {
		t.Fatalf("deadline in %v, want %v", left, d)
	}
}

// withPanicLog makes logPanic write to w for requests under ctx instead
// of stderr.
func withPanicLog(ctx context.Context, w io.Writer) context.Context {
	return context.WithValue(ctx, panicLogKey{}, w)
}

// needServe skips a test that runs the plain HTTP server in a build that
// has none (the deployed AWS flavour: serve.go).
func needServe(t *testing.T) {
	t.Helper()
	if !hasServe {
		t.Skip("this build has no plain HTTP server (tags lambda.norpc and no_bolt)")
	}
}

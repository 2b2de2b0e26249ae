//go:build !no_fc && !lambda.norpc

package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/todofn/todofn/internal/fcruntimetest"
)

// startFC runs h through Run with FC_RUNTIME_API pointing at a fresh
// fcruntime server: the real fc-runtime-go-sdk invoke loop against a double
// of FC's runtime API side (FC itself is not available here).
func startFC(t *testing.T, run func(ctx context.Context) error) *fcruntimetest.Server {
	t.Helper()
	srv := fcruntimetest.NewServer()
	t.Setenv(EnvLambdaRuntimeAPI, "")
	t.Setenv(EnvFCRuntimeAPI, srv.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		srv.Close()
	})
	return srv
}

func TestFCEndToEndHTTP(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		echoHandler().ServeHTTP(w, r)
	})
	srv := startFC(t, func(ctx context.Context) error { return Run(ctx, os.Getenv, h) })
	ctx := context.Background()

	t.Run("http trigger", func(t *testing.T) {
		r := httptest.NewRequest("POST", "http://fn.example/todos?x=1", strings.NewReader(`{"title":"milk"}`))
		r.Header.Set("Cookie", "s=1")
		ev, err := fcruntimetest.HTTPEvent(r, "event-id")
		if err != nil {
			t.Fatal(err)
		}
		out, err := srv.Invoke(ctx, ev)
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		w := httptest.NewRecorder()
		if err := fcruntimetest.HTTPResponse(out, w); err != nil {
			t.Fatalf("HTTPResponse(%s): %v", out, err)
		}
		got := decodeSeen(t, w.Body.Bytes())
		if w.Code != 201 || got.Method != "POST" || got.RequestURI != "/todos?x=1" || got.Body != `{"title":"milk"}` ||
			got.Cookie != "s=1" || got.Host != "fn.example" {
			t.Errorf("status %d, handler saw %+v", w.Code, got)
		}
		// The request ID is the runtime's x-fc-request-id via fccontext,
		// not the event's.
		if !strings.HasPrefix(got.RequestID, "1-") {
			t.Errorf("request id = %q, want the runtime's", got.RequestID)
		}
		if w.Header().Get("Set-Cookie") != "a=1, b=2" {
			t.Errorf("Set-Cookie = %q", w.Header().Get("Set-Cookie"))
		}
	})

	// FC joins a repeated query parameter's values with commas; the double
	// does too, and the handler gets that one value, unsplit: the same as a
	// single value that holds a comma, which FC delivers alike.
	t.Run("repeated query parameters", func(t *testing.T) {
		for _, tt := range []struct{ url, want string }{
			{"/todos?limit=5&limit=6", "5,6"},
			{"/todos?limit=5%2C6", "5,6"},
			{"/todos?limit=5", "5"},
		} {
			ev, err := fcruntimetest.HTTPEvent(httptest.NewRequest("GET", tt.url, nil), "")
			if err != nil {
				t.Fatal(err)
			}
			out, err := srv.Invoke(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			if err := fcruntimetest.HTTPResponse(out, w); err != nil {
				t.Fatal(err)
			}
			q, err := url.ParseQuery(decodeSeen(t, w.Body.Bytes()).Query)
			if err != nil || len(q["limit"]) != 1 || q.Get("limit") != tt.want {
				t.Errorf("%s: handler saw limit %q (%v), want the one value %q", tt.url, q["limit"], err, tt.want)
			}
		}
	})

	t.Run("binary request body", func(t *testing.T) {
		ev, err := fcruntimetest.HTTPEvent(httptest.NewRequest("GET", "/", bytes.NewReader(binaryBody())), "")
		if err != nil {
			t.Fatal(err)
		}
		out, err := srv.Invoke(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		if err := fcruntimetest.HTTPResponse(out, w); err != nil {
			t.Fatal(err)
		}
		if got := decodeSeen(t, w.Body.Bytes()); got.Body != bodyString(binaryBody()) || got.ContentLength != 256 {
			t.Errorf("handler saw body %q (%d bytes)", got.Body, got.ContentLength)
		}
	})

	t.Run("malformed event", func(t *testing.T) {
		out, err := srv.Invoke(ctx, []byte(`{"rawPath":"/","requestContext":{"http":{}}}`))
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		if err := fcruntimetest.HTTPResponse(out, w); err != nil {
			t.Fatal(err)
		}
		checkInvalid(t, w.Code, w.Body.Bytes())
	})

	t.Run("concurrent invokes are serialised", func(t *testing.T) {
		ev, err := fcruntimetest.HTTPEvent(httptest.NewRequest("GET", "/n", nil), "")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				out, err := srv.Invoke(ctx, ev)
				if err == nil && !bytes.Contains(out, []byte(`"statusCode":201`)) {
					err = errors.New("unexpected response " + string(out))
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if m := maxInFlight.Load(); m != 1 {
			t.Errorf("handler ran %d invocations at once, want 1", m)
		}
	})
}

func TestFCEndToEndEvents(t *testing.T) {
	h := EventHandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		switch string(p) {
		case `"fail"`:
			return nil, errors.New("mailer: smtp down")
		case `"text"`:
			return []byte("not json"), nil
		case `"empty"`:
			return nil, nil
		case `"panic"`:
			panic("mailer bug")
		}
		return json.Marshal(map[string]any{"requestId": todoRequestID(ctx), "event": json.RawMessage(p)})
	})
	srv := startFC(t, func(ctx context.Context) error { return RunEvents(ctx, os.Getenv, h) })
	ctx := context.Background()

	tests := []struct {
		name    string
		payload string
		want    string // exact result; "" checks the echo
		wantErr string
	}{
		{name: "json event echoed raw", payload: `{"Records":[{"eventName":"INSERT"}]}`},
		{name: "non-JSON result becomes a JSON string", payload: `"text"`, want: `"not json"`},
		{name: "empty result becomes null", payload: `"empty"`, want: `null`},
		{name: "handler error fails the invocation", payload: `"fail"`, wantErr: "mailer: smtp down"},
		// The platform's own recover, not the SDK's: its message says so.
		{name: "handler panic fails the invocation", payload: `"panic"`, wantErr: errPanicked.Error()},
		{name: "and the next one runs", payload: `{"after":"panic"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := srv.Invoke(ctx, []byte(tt.payload))
			if tt.wantErr != "" {
				var ie *fcruntimetest.InvokeError
				if !errors.As(err, &ie) || ie.Message != tt.wantErr {
					t.Fatalf("err = %v, want an InvokeError %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if tt.want != "" {
				if string(out) != tt.want {
					t.Errorf("result = %s, want %s", out, tt.want)
				}
				return
			}
			var got struct {
				RequestID string          `json:"requestId"`
				Event     json.RawMessage `json:"event"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("result %s: %v", out, err)
			}
			if string(got.Event) != tt.payload || !strings.HasPrefix(got.RequestID, "1-") {
				t.Errorf("result = %s", out)
			}
		})
	}
}

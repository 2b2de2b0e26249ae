//go:build !no_lambda && !no_dynamodb && !no_fc && !lambda.norpc

package platform_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/todofn/todofn/internal/fcruntimetest"
	"github.com/todofn/todofn/pkg/platform"
)

// eventSeeds are the real function-URL event samples in events/ (with the
// files that are no HTTP event, as inputs the translators must refuse).
func eventSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no events/*.json: %v", err)
	}
	var seeds [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// triggerSeeds are the same requests as FC3 HTTP-trigger events: each
// function-URL sample translated to a request, then to the event FC3
// delivers for it (as the FC runtime double builds it).
func triggerSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	seeds := [][]byte{[]byte(`{"version":"v1","rawPath":"/todos","requestContext":{"http":{"method":"GET"}}}`)}
	for _, s := range eventSeeds(tb) {
		var req *http.Request
		capture := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			req = r.Clone(context.Background())
			req.Body = io.NopCloser(bytes.NewReader(body))
		})
		if _, err := platform.ServeFunctionURL(context.Background(), capture, s); err != nil || req == nil {
			seeds = append(seeds, s) // not an HTTP event: a seed as it is
			continue
		}
		ev, err := fcruntimetest.HTTPEvent(req, "fuzz-seed")
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, ev)
	}
	return seeds
}

// response is the part of both response events the check reads (the
// function-URL one also has cookies; FC3's has the same four names).
type response struct {
	StatusCode      *int              `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

// handler answers 200 in one of three ways, as mode says: the JSON of what
// it saw, raw bytes that are no UTF-8, or nothing. It checks the request
// is one net/http's server could have made. It returns the body it wrote.
func handler(t *testing.T, mode uint8, called *bool, wrote *[]byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*called = true
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("read the body: %v", err)
		}
		switch {
		case r.Method == "" || r.URL == nil || !strings.HasPrefix(r.URL.Path, "/") || r.RequestURI == "":
			t.Fatalf("a request without method or path: %q %v %q", r.Method, r.URL, r.RequestURI)
		case r.ContentLength != int64(len(body)):
			t.Fatalf("ContentLength %d for a body of %d bytes", r.ContentLength, len(body))
		case r.Header.Get("Host") != "":
			t.Fatalf("Host left in the header: %q", r.Header.Get("Host"))
		}
		if r.RemoteAddr != "" {
			if _, _, err := net.SplitHostPort(r.RemoteAddr); err != nil {
				t.Fatalf("RemoteAddr %q: %v", r.RemoteAddr, err)
			}
		}
		var out []byte
		switch mode % 3 {
		case 0:
			out, _ = json.Marshal(map[string]any{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery,
				"host": r.Host, "header": r.Header, "body": string(body)})
			w.Header().Set("Content-Type", "application/json")
		case 1:
			out = append([]byte{0xff, 0xfe, 0x00}, body...)
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		*wrote = out
		w.WriteHeader(http.StatusOK)
		w.Write(out)
	})
}

// check asserts what both translators promise: the result is a JSON
// response event; with the handler called it is the handler's 200 and its
// body, byte for byte; without, the translator's own 400 in the error
// shape. Never a 5xx.
func check(t *testing.T, out []byte, err error, called bool, wrote []byte) {
	t.Helper()
	if err != nil {
		t.Fatalf("an error instead of a response event: %v", err)
	}
	var resp response
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == nil {
		t.Fatalf("not a response event: %s (%v)", out, err)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatalf("the body is flagged base64 but is not: %v", err)
		}
	}
	switch status := *resp.StatusCode; {
	case status >= 500:
		t.Fatalf("status %d from the translator: %s", status, out)
	case called && status != http.StatusOK:
		t.Fatalf("the handler answered 200, the event says %d", status)
	case called && !bytes.Equal(body, wrote):
		t.Fatalf("the handler wrote %q, the event carries %q", wrote, body)
	case !called && status != http.StatusBadRequest:
		t.Fatalf("the handler was not called, yet status %d", status)
	case !called:
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(body, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("a 400 not in the error shape: %s", body)
		}
	}
}

// FuzzServeFunctionURL translates arbitrary payloads as Lambda
// function-URL events (seeded with events/*.json).
func FuzzServeFunctionURL(f *testing.F) {
	for i, s := range eventSeeds(f) {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, payload []byte, mode uint8) {
		var called bool
		var wrote []byte
		out, err := platform.ServeFunctionURL(context.Background(), handler(t, mode, &called, &wrote), payload)
		check(t, out, err, called, wrote)
	})
}

// FuzzServeHTTPTrigger translates arbitrary payloads as FC3 HTTP-trigger
// events (seeded with events/*.json as FC3 would deliver those requests).
func FuzzServeHTTPTrigger(f *testing.F) {
	for i, s := range triggerSeeds(f) {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, payload []byte, mode uint8) {
		var called bool
		var wrote []byte
		out, err := platform.ServeHTTPTrigger(context.Background(), handler(t, mode, &called, &wrote), payload)
		check(t, out, err, called, wrote)
	})
}

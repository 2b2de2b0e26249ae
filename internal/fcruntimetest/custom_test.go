package fcruntimetest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// InvokeCustom posts as FC posts to a custom runtime, and reads the
// outcome as FC does: only x-fc-status says failure; a bare 500 is a
// success to FC.
func TestInvokeCustom(t *testing.T) {
	var got *http.Request
	var body string
	answer := func(w http.ResponseWriter) {}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r, string(b)
		answer(w)
	}))
	defer srv.Close()
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		failed bool
	}{
		{"x-fc-status 200", func(w http.ResponseWriter) { w.Header().Set(HeaderStatus, "200") }, false},
		{"x-fc-status 404", func(w http.ResponseWriter) { w.Header().Set(HeaderStatus, "404"); w.WriteHeader(404) }, true},
		{"bare 500: success to FC", func(w http.ResponseWriter) { w.WriteHeader(500) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer = tt.answer
			res, err := InvokeCustom(context.Background(), srv.URL, "1-rid", 10*time.Second, []byte(`{"a":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed() != tt.failed {
				t.Errorf("Failed() = %v for %+v", res.Failed(), res)
			}
			if got.Method != "POST" || got.URL.Path != "/invoke" || body != `{"a":1}` ||
				got.Header.Get("Content-Type") != "application/octet-stream" || got.Header.Get(HeaderRequestID) != "1-rid" ||
				got.Header.Get(HeaderFunctionTimeout) != "10" || got.Header.Get(HeaderControlPath) != "/invoke" {
				t.Errorf("request %s %s %q headers %v", got.Method, got.URL, body, got.Header)
			}
		})
	}
}

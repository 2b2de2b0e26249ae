package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestListHasContentLength: over a real connection, GET /todos answers
// with a Content-Length equal to its body, not chunked, on the first page
// (with counts) and on a later one; HEAD gives the same length and no body.
func TestListHasContentLength(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("length@example.com")
	for range 30 {
		e.do("POST", "/todos", token, map[string]any{"title": "a todo long enough to need more than one buffer of net/http"})
	}
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	for _, tt := range []struct{ method, path string }{{"GET", "/todos"}, {"GET", "/todos?limit=5"}, {"HEAD", "/todos"}} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		n, err := strconv.Atoi(res.Header.Get("Content-Length"))
		if res.StatusCode != 200 || err != nil || len(res.TransferEncoding) != 0 || (tt.method == "GET" && n != len(body)) || (tt.method == "HEAD" && (len(body) != 0 || n < 2048)) {
			t.Errorf("%s %s: %d, Content-Length %q, Transfer-Encoding %v, body %d bytes", tt.method, tt.path, res.StatusCode,
				res.Header.Get("Content-Length"), res.TransferEncoding, len(body))
		}
	}
}

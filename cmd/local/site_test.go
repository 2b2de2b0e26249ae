package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/keyset"
)

// TestSiteServesJWKS: the local server publishes the public half of the
// keys its API verifies with, as the web bucket does.
func TestSiteServesJWKS(t *testing.T) {
	dir := t.TempDir()
	a, err := app.OpenWithLog(app.ConfigFrom(func(k string) string {
		return map[string]string{"DATA_DIR": dir}[k]
	}), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	h := newSite(a, "http://127.0.0.1:8080", "", t.TempDir()).handler(http.NotFoundHandler())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	keys, _ := a.Config.JWTVerifying()
	want, _ := keyset.MarshalJWKS(keys)
	if w.Code != http.StatusOK || w.Body.String() != string(want) || len(keys) != 1 || keys[0].ID != "dev" {
		t.Fatalf("GET /.well-known/jwks.json: %d %s (keys %v)", w.Code, w.Body, keys)
	}
}

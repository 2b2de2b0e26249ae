package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/keyset"
)

// TestBaseEnvKeysAndJWKS: a run without keys makes one ES256 pair for
// every function, and the front serves its public half, the same keys the
// functions verify with, at /.well-known/jwks.json.
func TestBaseEnvKeysAndJWKS(t *testing.T) {
	c := &cloud{o: options{port: "8080", getenv: func(string) string { return "" }}}
	env, err := c.baseEnv("http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyset.ParseSigning(env["JWT_SIGNING_KEYS"])
	if err != nil || len(keys) != 1 || keys[0].ID != "dev" {
		t.Fatalf("JWT_SIGNING_KEYS %q: %v", env["JWT_SIGNING_KEYS"], err)
	}
	f := testFront(t, lambdaCodec, nil)
	if w := serve(f, http.MethodGet, "/.well-known/jwks.json", nil); w.Code != http.StatusNotFound {
		t.Fatalf("without keys: %d", w.Code)
	}
	f.jwks = c.jwks
	w := serve(f, http.MethodGet, "/.well-known/jwks.json", nil)
	want, _ := keyset.MarshalJWKS([]keyset.PublicKey{keys[0].Public()})
	if w.Code != http.StatusOK || w.Body.String() != string(want) || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /.well-known/jwks.json: %d %s %q", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
	if w := serve(f, http.MethodPost, "/.well-known/jwks.json", nil); w.Code == http.StatusOK {
		t.Fatal("POST served the JWK Set")
	}
}

// TestBaseEnvKeepsGivenKeys: keys in the tool's environment go to the
// functions unchanged, and the front serves the union.
func TestBaseEnvKeepsGivenKeys(t *testing.T) {
	k1, _ := keyset.Generate("k1")
	k0, _ := keyset.Generate("k0")
	signing, _ := keyset.FormatSigning([]keyset.SigningKey{k1})
	public, _ := keyset.FormatPublic([]keyset.PublicKey{k0.Public()})
	given := map[string]string{"JWT_SIGNING_KEYS": signing, "JWT_PUBLIC_KEYS": public}
	c := &cloud{o: options{port: "8080", getenv: func(k string) string { return given[k] }}}
	env, err := c.baseEnv("http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if env["JWT_SIGNING_KEYS"] != signing || env["JWT_PUBLIC_KEYS"] != public {
		t.Fatalf("env %q, %q", env["JWT_SIGNING_KEYS"], env["JWT_PUBLIC_KEYS"])
	}
	want, _ := keyset.MarshalJWKS([]keyset.PublicKey{k1.Public(), k0.Public()})
	if string(c.jwks) != string(want) {
		t.Fatalf("jwks %s, want %s", c.jwks, want)
	}
}

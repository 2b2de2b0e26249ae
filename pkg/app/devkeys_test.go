package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/keyset"
)

// TestDevKeyPair: a local run without JWT keys generates an ES256 pair
// (kid "dev") into dev-secrets.json; a function given only its public half
// verifies the tokens of one given the file, and cannot issue any.
func TestDevKeyPair(t *testing.T) {
	dir := t.TempDir()
	a, err := app.OpenWithLog(app.ConfigFrom(env("DATA_DIR", dir)), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	f, err := app.ReadDevSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyset.ParseSigning(f.JWTSigningKeys)
	if err != nil || len(keys) != 1 || keys[0].ID != "dev" || f.AppSecret == "" {
		t.Fatalf("dev-secrets.json: keys %+v, %v; app secret %q", keys, err, f.AppSecret)
	}
	is, err := apiserver.Issuer(a)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := is.Issue("u1", "s1")
	if err != nil {
		t.Fatal(err)
	}

	public, _ := keyset.FormatPublic([]keyset.PublicKey{keys[0].Public()})
	b, err := app.OpenWithLog(app.ConfigFrom(env("DATA_DIR", t.TempDir(), "JWT_PUBLIC_KEYS", public)), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Config.Tokens.SigningKeys != "" {
		t.Fatal("a function configured with public keys was given a signing key")
	}
	v, err := apiserver.Verifier(b)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.Verify(tok); err != nil || c.UserID != "u1" || c.SessionID != "s1" {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	if _, err := apiserver.Issuer(b); err == nil || !strings.Contains(err.Error(), "JWT_SIGNING_KEYS is empty") {
		t.Fatalf("Issuer without signing keys = %v", err)
	}
}

// TestDevSecretsUpgrade: a dev-secrets.json from the HS256 days keeps its
// app secret and gains an ES256 signing key, written back with mode 0600.
func TestDevSecretsUpgrade(t *testing.T) {
	dir := t.TempDir()
	old := `{"jwtKeys": "dev=c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQ", "appSecret": "YXBwLXNlY3JldC1hcHAtc2VjcmV0LWFwcC1zZWNyZXQtYXBwLXNlY3JldA"}`
	path := filepath.Join(dir, app.DevSecretsFile)
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenWithLog(app.ConfigFrom(env("DATA_DIR", dir)), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Config.AppSecret != "YXBwLXNlY3JldC1hcHAtc2VjcmV0LWFwcC1zZWNyZXQtYXBwLXNlY3JldA" {
		t.Fatalf("app secret changed to %q", a.Config.AppSecret)
	}
	data, _ := os.ReadFile(path)
	var f app.DevSecrets
	if err := json.Unmarshal(data, &f); err != nil || f.JWTSigningKeys != a.Config.Tokens.SigningKeys || f.AppSecret != a.Config.AppSecret {
		t.Fatalf("the file holds %s, the app uses %q", data, a.Config.Tokens.SigningKeys)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 { // the file and the store
		t.Fatalf("left behind: %v", entries)
	}
}

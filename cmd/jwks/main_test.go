package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/keyset"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func kidsOf(t *testing.T, doc []byte) []string {
	t.Helper()
	var set keyset.JWKSet
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	var ids []string
	for _, k := range set.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ES256" || k.Use != "sig" {
			t.Errorf("key %+v", k)
		}
		ids = append(ids, k.Kid)
	}
	return ids
}

func TestFromEnvironment(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"-new", "k2"}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, _ := strings.Cut(line, "=")
		settings[k] = v
	}
	old, _ := keyset.Generate("k1")
	oldPublic, _ := keyset.FormatPublic([]keyset.PublicKey{old.Public()})
	settings["JWT_PUBLIC_KEYS"] += "," + oldPublic
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := run([]string{"-o", path}, env(settings), &out); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(path)
	if got := strings.Join(kidsOf(t, doc), ","); got != "k2,k1" {
		t.Fatalf("kids %s, want k2,k1", got)
	}
	if strings.Contains(string(doc), `"d"`) {
		t.Fatalf("the JWK Set holds a private key: %s", doc)
	}
	out.Reset()
	if err := run([]string{"-env"}, env(map[string]string{"JWT_SIGNING_KEYS": settings["JWT_SIGNING_KEYS"]}), &out); err != nil {
		t.Fatal(err)
	}
	if pub, err := keyset.ParsePublic(strings.TrimPrefix(strings.TrimSpace(out.String()), "JWT_PUBLIC_KEYS=")); err != nil || pub[0].ID != "k2" {
		t.Fatalf("-env printed %q: %v", out.String(), err)
	}
}

func TestFromDevSecrets(t *testing.T) {
	dir := t.TempDir()
	err := run(nil, env(map[string]string{"DATA_DIR": dir}), new(strings.Builder))
	if err == nil || !strings.Contains(err.Error(), "make run") {
		t.Fatalf("without keys or dev secrets: %v", err)
	}
	a, err := app.OpenWithLog(app.ConfigFrom(env(map[string]string{"DATA_DIR": dir})), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	var out strings.Builder
	if err := run(nil, env(map[string]string{"DATA_DIR": dir}), &out); err != nil {
		t.Fatal(err)
	}
	if got := kidsOf(t, []byte(out.String())); len(got) != 1 || got[0] != "dev" {
		t.Fatalf("kids %v, want dev", got)
	}
}

func TestRefusesBadKeys(t *testing.T) {
	err := run(nil, env(map[string]string{"JWT_PUBLIC_KEYS": "k1=bm90IGEga2V5"}), new(strings.Builder))
	if err == nil || !strings.Contains(err.Error(), `key "k1"`) {
		t.Fatalf("run = %v", err)
	}
}

package auth_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

var (
	keyA = keyset.Key{ID: "a", Secret: bytes.Repeat([]byte("A"), 32)}
	keyB = keyset.Key{ID: "b", Secret: bytes.Repeat([]byte("B"), 32)}
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newTokens(t *testing.T, c *clock, keys ...keyset.Key) *auth.Tokens {
	t.Helper()
	tok, err := auth.New(auth.Config{Keys: keys, Issuer: "todofn", Audience: "todofn-api", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestNewRefusesWeakConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  auth.Config
	}{
		{"no key", auth.Config{Issuer: "i", Audience: "a"}},
		{"short key", auth.Config{Keys: []keyset.Key{{ID: "k", Secret: make([]byte, 31)}}, Issuer: "i", Audience: "a"}},
		{"bad kid", auth.Config{Keys: []keyset.Key{{ID: "k/1", Secret: make([]byte, 32)}}, Issuer: "i", Audience: "a"}},
		{"duplicate kid", auth.Config{Keys: []keyset.Key{keyA, keyA}, Issuer: "i", Audience: "a"}},
		{"no issuer", auth.Config{Keys: []keyset.Key{keyA}, Audience: "a"}},
		{"no audience", auth.Config{Keys: []keyset.Key{keyA}, Issuer: "i"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := auth.New(tt.cfg); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}

func TestParseKeys(t *testing.T) {
	secret := bytes.Repeat([]byte{0xfb}, 40)
	in := "new=" + base64.StdEncoding.EncodeToString(secret) + ", old=" + base64.RawURLEncoding.EncodeToString(secret)
	keys, err := keyset.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != "new" || keys[1].ID != "old" || !bytes.Equal(keys[0].Secret, secret) || !bytes.Equal(keys[1].Secret, secret) {
		t.Fatalf("ParseKeys = %+v", keys)
	}
	if again, _ := keyset.Parse(keyset.Format(keys)); len(again) != 2 || !bytes.Equal(again[1].Secret, secret) {
		t.Fatalf("FormatKeys does not round-trip: %+v", again)
	}
	for _, bad := range []string{"nokid", "k=***"} {
		if _, err := keyset.Parse(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}

func TestIssueVerify(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	tokens := newTokens(t, c, keyA, keyB)
	tok, exp, err := tokens.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(c.t.Add(15 * time.Minute)) {
		t.Fatalf("exp = %v", exp)
	}
	sub, err := tokens.Verify(tok)
	if err != nil || sub != "user-1" {
		t.Fatalf("Verify = %q, %v", sub, err)
	}

	// Rotation: a token signed by the old key (now second) still verifies.
	oldSigner := newTokens(t, c, keyB)
	oldTok, _, _ := oldSigner.Issue("user-2")
	if sub, err := tokens.Verify(oldTok); err != nil || sub != "user-2" {
		t.Fatalf("rotated key: %q, %v", sub, err)
	}

	c.t = c.t.Add(15*time.Minute + 31*time.Second) // past exp and leeway
	_, err = tokens.Verify(tok)
	if todo.ErrorCode(err) != todo.Unauthorized || !strings.Contains(todo.ErrorMessage(err), "expired") {
		t.Fatalf("expired token: %v", err)
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRejects(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	c := &clock{now}
	tokens := newTokens(t, c, keyA)
	good := jwt.MapClaims{"iss": "todofn", "aud": "todofn-api", "sub": "u", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		m := jwt.MapClaims{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	valid, _, _ := tokens.Issue("u")
	parts := strings.Split(valid, ".")
	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"garbage", "not.a.jwt"},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "a", good)},
		{"alg HS512", sign(t, jwt.SigningMethodHS512, keyA.Secret, "a", good)},
		{"wrong key", sign(t, jwt.SigningMethodHS256, bytes.Repeat([]byte("X"), 32), "a", good)},
		{"unknown kid", sign(t, jwt.SigningMethodHS256, keyA.Secret, "zzz", good)},
		{"no kid", sign(t, jwt.SigningMethodHS256, keyA.Secret, "", good)},
		{"no exp", sign(t, jwt.SigningMethodHS256, keyA.Secret, "a", with("exp", nil))},
		{"wrong iss", sign(t, jwt.SigningMethodHS256, keyA.Secret, "a", with("iss", "evil"))},
		{"no iss", sign(t, jwt.SigningMethodHS256, keyA.Secret, "a", with("iss", nil))},
		{"wrong aud", sign(t, jwt.SigningMethodHS256, keyA.Secret, "a", with("aud", "other"))},
		{"no aud", sign(t, jwt.SigningMethodHS256, keyA.Secret, "a", with("aud", nil))},
		{"no sub", sign(t, jwt.SigningMethodHS256, keyA.Secret, "a", with("sub", nil))},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, keyA.Secret, "a", with("iat", now.Add(time.Hour).Unix()))},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := tokens.Verify(tt.token)
			if todo.ErrorCode(err) != todo.Unauthorized {
				t.Fatalf("Verify = %q, %v; want unauthorized", sub, err)
			}
		})
	}
}

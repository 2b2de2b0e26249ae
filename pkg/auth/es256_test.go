package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

func genKey(t testing.TB, id string) keyset.SigningKey {
	t.Helper()
	k, err := keyset.Generate(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newIssuer(t testing.TB, c *clock, keys ...keyset.SigningKey) *auth.Issuer {
	t.Helper()
	is, err := auth.NewIssuer(auth.IssuerConfig{Keys: keys, Issuer: "todofn", Audience: "todofn-api", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func newVerifier(t testing.TB, c *clock, keys ...keyset.PublicKey) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(auth.VerifierConfig{Keys: keys, Issuer: "todofn", Audience: "todofn-api", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewIssuerAndVerifierRefuseWeakConfig(t *testing.T) {
	k := genKey(t, "k")
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	issuers := []struct {
		name string
		cfg  auth.IssuerConfig
	}{
		{"no key", auth.IssuerConfig{Issuer: "i", Audience: "a"}},
		{"nil key", auth.IssuerConfig{Keys: []keyset.SigningKey{{ID: "k"}}, Issuer: "i", Audience: "a"}},
		{"P-384", auth.IssuerConfig{Keys: []keyset.SigningKey{{ID: "k", Private: p384}}, Issuer: "i", Audience: "a"}},
		{"bad kid", auth.IssuerConfig{Keys: []keyset.SigningKey{{ID: "k/1", Private: k.Private}}, Issuer: "i", Audience: "a"}},
		{"duplicate kid", auth.IssuerConfig{Keys: []keyset.SigningKey{k, k}, Issuer: "i", Audience: "a"}},
		{"no issuer", auth.IssuerConfig{Keys: []keyset.SigningKey{k}, Audience: "a"}},
		{"no audience", auth.IssuerConfig{Keys: []keyset.SigningKey{k}, Issuer: "i"}},
		{"TTL over an hour", auth.IssuerConfig{Keys: []keyset.SigningKey{k}, Issuer: "i", Audience: "a", TTL: time.Hour + time.Second}},
		{"negative TTL", auth.IssuerConfig{Keys: []keyset.SigningKey{k}, Issuer: "i", Audience: "a", TTL: -time.Second}},
	}
	for _, tt := range issuers {
		t.Run("issuer: "+tt.name, func(t *testing.T) {
			if _, err := auth.NewIssuer(tt.cfg); err == nil {
				t.Fatal("NewIssuer accepted it")
			}
		})
	}
	pub := k.Public()
	verifiers := []struct {
		name string
		cfg  auth.VerifierConfig
	}{
		{"no key", auth.VerifierConfig{Issuer: "i", Audience: "a"}},
		{"nil key", auth.VerifierConfig{Keys: []keyset.PublicKey{{ID: "k"}}, Issuer: "i", Audience: "a"}},
		{"P-384", auth.VerifierConfig{Keys: []keyset.PublicKey{{ID: "k", Public: &p384.PublicKey}}, Issuer: "i", Audience: "a"}},
		{"duplicate kid", auth.VerifierConfig{Keys: []keyset.PublicKey{pub, pub}, Issuer: "i", Audience: "a"}},
		{"no issuer", auth.VerifierConfig{Keys: []keyset.PublicKey{pub}, Audience: "a"}},
		{"no audience", auth.VerifierConfig{Keys: []keyset.PublicKey{pub}, Issuer: "i"}},
		{"max age over an hour", auth.VerifierConfig{Keys: []keyset.PublicKey{pub}, Issuer: "i", Audience: "a", MaxAge: 2 * time.Hour}},
	}
	for _, tt := range verifiers {
		t.Run("verifier: "+tt.name, func(t *testing.T) {
			if _, err := auth.NewVerifier(tt.cfg); err == nil {
				t.Fatal("NewVerifier accepted it")
			}
		})
	}
}

func TestIssueVerifyES256(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	current, old := genKey(t, "k2"), genKey(t, "k1")
	is := newIssuer(t, c, current, old)
	v := newVerifier(t, c, current.Public(), old.Public())
	tok, exp, err := is.Issue("user-1", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	if is.TTL() != 10*time.Minute || !exp.Equal(c.t.Add(10*time.Minute)) {
		t.Fatalf("TTL %v, exp %v; want 10 minutes by default", is.TTL(), exp)
	}
	head, payload := decodePart(t, tok, 0), decodePart(t, tok, 1)
	if head["alg"] != "ES256" || head["kid"] != "k2" {
		t.Fatalf("header %v, want ES256 signed by the first key", head)
	}
	for _, claim := range []string{"iss", "aud", "sub", "sid", "iat", "exp", "jti"} {
		if _, ok := payload[claim]; !ok {
			t.Errorf("the token has no %s: %v", claim, payload)
		}
	}
	got, err := v.Verify(tok)
	if err != nil || got != (todo.TokenClaims{UserID: "user-1", SessionID: "session-1"}) {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	if _, _, err := is.Issue("user-1", ""); err == nil {
		t.Fatal("Issue without a session ID succeeded")
	}

	// Rotation: a token of the old key still verifies; a verifier without
	// the signing key's public half refuses it.
	oldTok, _, _ := newIssuer(t, c, old).Issue("user-2", "s2")
	if got, err := v.Verify(oldTok); err != nil || got.UserID != "user-2" {
		t.Fatalf("old key: %+v, %v", got, err)
	}
	if _, err := newVerifier(t, c, old.Public()).Verify(tok); todo.ErrorCode(err) != todo.Unauthorized {
		t.Fatalf("a verifier without k2 accepted its token: %v", err)
	}

	c.t = c.t.Add(10*time.Minute + 29*time.Second) // within the leeway
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	c.t = c.t.Add(2 * time.Second)
	_, err = v.Verify(tok)
	if todo.ErrorCode(err) != todo.Unauthorized || !strings.Contains(todo.ErrorMessage(err), "expired") {
		t.Fatalf("expired token: %v", err)
	}
}

func decodePart(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestVerifyRejectsES256(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	c := &clock{now}
	k := genKey(t, "a")
	v := newVerifier(t, c, k.Public())
	good := jwt.MapClaims{"iss": "todofn", "aud": "todofn-api", "sub": "u", "sid": "s",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	with := func(kv ...any) jwt.MapClaims {
		m := jwt.MapClaims{}
		for name, val := range good {
			m[name] = val
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	es := func(claims jwt.MapClaims) string { return sign(t, jwt.SigningMethodES256, k.Private, "a", claims) }
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	valid, _, _ := newIssuer(t, c, k).Issue("u", "s")
	parts := strings.Split(valid, ".")
	tests := []struct {
		name    string
		token   string
		expired bool // the message says the session expired
	}{
		{"empty", "", false},
		{"garbage", "not.a.jwt", false},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "a", good), false},
		{"HS256 keyed with the public key", sign(t, jwt.SigningMethodHS256, pubDER, "a", good), false},
		{"ES384", sign(t, jwt.SigningMethodES384, p384, "a", good), false},
		{"another key under the kid", sign(t, jwt.SigningMethodES256, genKey(t, "a").Private, "a", good), false},
		{"unknown kid", sign(t, jwt.SigningMethodES256, k.Private, "zzz", good), false},
		{"no kid", sign(t, jwt.SigningMethodES256, k.Private, "", good), false},
		{"no exp", es(with("exp", nil)), false},
		{"no iat", es(with("iat", nil)), false},
		{"no sub", es(with("sub", nil)), false},
		{"no sid", es(with("sid", nil)), false},
		{"empty sid", es(with("sid", "")), false},
		{"wrong iss", es(with("iss", "evil")), false},
		{"no iss", es(with("iss", nil)), false},
		{"wrong aud", es(with("aud", "other")), false},
		{"no aud", es(with("aud", nil)), false},
		{"issued in the future", es(with("iat", now.Add(time.Hour).Unix())), false},
		{"lifetime over an hour", es(with("exp", now.Add(time.Hour+time.Minute).Unix())), false},
		{"older than its maximum lifetime", es(with("iat", now.Add(-2*time.Hour).Unix(), "exp", now.Add(time.Minute).Unix())), true},
		{"expired", es(with("iat", now.Add(-10*time.Minute).Unix(), "exp", now.Add(-time.Minute).Unix())), true},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2], false},
		{"tampered signature", parts[0] + "." + parts[1] + "." + flip(parts[2]), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(tt.token)
			if todo.ErrorCode(err) != todo.Unauthorized {
				t.Fatalf("Verify = %+v, %v; want unauthorized", got, err)
			}
			if expired := strings.Contains(todo.ErrorMessage(err), "expired"); expired != tt.expired {
				t.Fatalf("message %q; want it to say expired: %v", todo.ErrorMessage(err), tt.expired)
			}
		})
	}
}

// flip changes the first character of a base64url string.
func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func Example() {
	key, _ := keyset.Generate("k1") // in a deployment: JWT_SIGNING_KEYS
	issuer, _ := auth.NewIssuer(auth.IssuerConfig{Keys: []keyset.SigningKey{key}, Issuer: "todofn", Audience: "todofn-api"})
	// Every other function gets only the public half (JWT_PUBLIC_KEYS).
	verifier, _ := auth.NewVerifier(auth.VerifierConfig{Keys: []keyset.PublicKey{key.Public()}, Issuer: "todofn", Audience: "todofn-api"})
	token, _, _ := issuer.Issue("user-1", "session-1")
	claims, err := verifier.Verify(token)
	fmt.Println(claims.UserID, claims.SessionID, err)
	// Output: user-1 session-1 <nil>
}

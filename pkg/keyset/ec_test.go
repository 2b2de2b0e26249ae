package keyset

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

func mustGenerate(t *testing.T, id string) SigningKey {
	t.Helper()
	k, err := Generate(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSigningAndPublicRoundTrip(t *testing.T) {
	k1, k2 := mustGenerate(t, "k1"), mustGenerate(t, "old")
	s, err := FormatSigning([]SigningKey{k1, k2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSigning(" " + s + " ,")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "k1" || !got[0].Private.Equal(k1.Private) || got[1].ID != "old" || !got[1].Private.Equal(k2.Private) {
		t.Fatalf("signing round trip gave %+v", got)
	}
	p, err := FormatPublic([]PublicKey{k1.Public(), k2.Public()})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublic(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 2 || pub[0].ID != "k1" || !pub[0].Public.Equal(&k1.Private.PublicKey) || !pub[1].Public.Equal(&k2.Private.PublicKey) {
		t.Fatalf("public round trip gave %+v", pub)
	}
	// Standard base64 with padding reads the same.
	der, _ := x509.MarshalPKIXPublicKey(&k1.Private.PublicKey)
	if pub, err := ParsePublic("k1=" + base64.StdEncoding.EncodeToString(der)); err != nil || !pub[0].Public.Equal(&k1.Private.PublicKey) {
		t.Fatalf("standard base64: %v", err)
	}
}

func TestParseRefusesOtherKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	b64 := base64.RawURLEncoding.EncodeToString
	p384Priv, _ := x509.MarshalPKCS8PrivateKey(p384)
	rsaPriv, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	p384Pub, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	rsaPub, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	good, _ := FormatSigning([]SigningKey{mustGenerate(t, "k")})
	goodPub, _ := FormatPublic([]PublicKey{mustGenerate(t, "k").Public()})
	tests := []struct {
		name   string
		parse  func(string) error
		in     string
		reason string
	}{
		{"signing: no =", parseSigning, "nokey", "want kid=base64key"},
		{"signing: not base64", parseSigning, "k=***", `key "k": not base64`},
		{"signing: bad kid", parseSigning, "k/1=" + strings.SplitN(good, "=", 2)[1], `key ID "k/1"`},
		{"signing: twice", parseSigning, good + "," + good, `"k" appears twice`},
		{"signing: a public key", parseSigning, goodPub, `key "k": not a PKCS#8`},
		{"signing: P-384", parseSigning, "big=" + b64(p384Priv), `key "big": not an EC P-256`},
		{"signing: RSA", parseSigning, "rsa=" + b64(rsaPriv), `key "rsa": not an EC P-256`},
		{"public: a private key", parsePublic, good, `key "k": not a PKIX`},
		{"public: P-384", parsePublic, "big=" + b64(p384Pub), `key "big": not an EC P-256`},
		{"public: RSA", parsePublic, "rsa=" + b64(rsaPub), `key "rsa": not an EC P-256`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("error %v, want one saying %q", err, tt.reason)
			}
			if strings.Contains(err.Error(), strings.SplitN(good, "=", 2)[1][:20]) {
				t.Fatalf("the error repeats key material: %v", err)
			}
		})
	}
}

func parseSigning(s string) error { _, err := ParseSigning(s); return err }
func parsePublic(s string) error  { _, err := ParsePublic(s); return err }

func TestGenerateRefusesBadID(t *testing.T) {
	if _, err := Generate("a b"); err == nil {
		t.Fatal("Generate accepted a key ID with a space")
	}
}

func TestVerifying(t *testing.T) {
	a, b, c := mustGenerate(t, "a"), mustGenerate(t, "b"), mustGenerate(t, "c")
	got, err := Verifying([]SigningKey{a, b}, []PublicKey{b.Public(), c.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "a" || got[1].ID != "b" || got[2].ID != "c" {
		t.Fatalf("Verifying = %+v, want a, b, c", got)
	}
	other := mustGenerate(t, "b")
	if _, err := Verifying([]SigningKey{a, b}, []PublicKey{other.Public()}); err == nil || !strings.Contains(err.Error(), `"b" names two different keys`) {
		t.Fatalf("Verifying with two keys under one ID = %v", err)
	}
}

func TestJWKS(t *testing.T) {
	k := mustGenerate(t, "k1")
	b, err := MarshalJWKS([]PublicKey{k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("keys: %s", b)
	}
	j := doc.Keys[0]
	for name, want := range map[string]string{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig"} {
		if j[name] != want {
			t.Errorf("%s = %q, want %q", name, j[name], want)
		}
	}
	if _, private := j["d"]; private || strings.Contains(string(b), `"d"`) {
		t.Fatalf("the JWKS holds a private part: %s", b)
	}
	x, _ := base64.RawURLEncoding.DecodeString(j["x"])
	y, _ := base64.RawURLEncoding.DecodeString(j["y"])
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil || !pub.Equal(&k.Private.PublicKey) {
		t.Fatalf("x, y do not give the key back: %v", err)
	}
}

// TestJWKSPadsCoordinates: a coordinate with leading zero bytes is still
// written as 32 bytes (RFC 7518 6.2.1.2), as a verifier requires.
func TestJWKSPadsCoordinates(t *testing.T) {
	for range 2000 {
		k := mustGenerate(t, "k")
		point, _ := k.Private.PublicKey.Bytes()
		if new(big.Int).SetBytes(point[1:33]).BitLen() > 248 {
			continue
		}
		set, err := JWKS([]PublicKey{k.Public()})
		if err != nil {
			t.Fatal(err)
		}
		if x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X); len(x) != 32 {
			t.Fatalf("x is %d bytes", len(x))
		}
		return
	}
	t.Skip("no key with a short x in 2000 tries")
}

// TestCheckID: a key ID is 1-64 ASCII letters, digits, '.', '_' or '-'.
func TestCheckID(t *testing.T) {
	for id, want := range map[string]bool{
		"k1": true, "2026-12-06.a_b": true, strings.Repeat("k", 64): true,
		"": false, strings.Repeat("k", 65): false, "k/1": false, "k 1": false, "kä": false, "k=1": false, "k:1": false,
	} {
		if got := checkID(id) == nil; got != want {
			t.Errorf("checkID(%.20q) ok = %v, want %v", id, got, want)
		}
	}
}

package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// p256Half is (N-1)/2 for P-256: a low-S signature has 1 <= S <= p256Half.
var p256Half = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// sigS returns the S half of a compact ES256 token's signature.
func sigS(t *testing.T, token string) *big.Int {
	t.Helper()
	sig, err := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature of %q: %d bytes, %v", token, len(sig), err)
	}
	return new(big.Int).SetBytes(sig[32:])
}

// withS returns token with its signature's S replaced by s.
func withS(token string, s *big.Int) string {
	dot := strings.LastIndexByte(token, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(token[dot+1:])
	s.FillBytes(sig[32:])
	return token[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// lowSToken returns an ES256 token with a high S replaced by N-S, as the
// issuer signs.
func lowSToken(token string) string {
	dot := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil || len(sig) != 64 {
		return token
	}
	if s := new(big.Int).SetBytes(sig[32:]); s.Cmp(p256Half) > 0 {
		return withS(token, s.Sub(elliptic.P256().Params().N, s))
	}
	return token
}

// TestIssuerSignsLowS: every token the issuer signs has S <= N/2 (before
// normalising, about half of them had S above it; 64 tokens leave a 2^-64
// chance of missing that).
func TestIssuerSignsLowS(t *testing.T) {
	c := &clock{time.Unix(1_800_000_000, 0)}
	k := genKey(t, "k1")
	is, v := newIssuer(t, c, k), newVerifier(t, c, k.Public())
	for range 64 {
		tok, _, err := is.Issue("u1", "s1")
		if err != nil {
			t.Fatal(err)
		}
		if s := sigS(t, tok); s.Sign() <= 0 || s.Cmp(p256Half) > 0 {
			t.Fatalf("high S %x in %s", s, tok)
		}
		if _, err := v.Verify(tok); err != nil {
			t.Fatalf("low-S token refused: %v", err)
		}
	}
}

// TestVerifierRefusesHighS: the same token with S replaced by N-S is a
// valid ECDSA signature (ecdsa.Verify accepts it; the test checks that
// first), so accepting it would let anyone mint a second, different string
// for every token; the verifier refuses it, as it does S = 0 and S = N.
func TestVerifierRefusesHighS(t *testing.T) {
	c := &clock{time.Unix(1_800_000_000, 0)}
	k := genKey(t, "k1")
	is, v := newIssuer(t, c, k), newVerifier(t, c, k.Public())
	tok, _, err := is.Issue("u1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	n := elliptic.P256().Params().N
	s := sigS(t, tok)
	high := withS(tok, new(big.Int).Sub(n, s))
	if high == tok {
		t.Fatal("N-S equals S")
	}
	dot := strings.LastIndexByte(high, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(high[dot+1:])
	digest := sha256.Sum256([]byte(high[:dot]))
	if !ecdsa.Verify(k.Public().Public, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("premise: ecdsa.Verify refuses the N-S signature")
	}
	for name, forged := range map[string]string{"N-S": high, "S=0": withS(tok, new(big.Int)), "S=N": withS(tok, new(big.Int).Set(n))} {
		if _, err := v.Verify(forged); todo.ErrorCode(err) != todo.Unauthorized {
			t.Errorf("%s: Verify = %v, want %s", name, err, todo.Unauthorized)
		}
	}
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("the original token: %v", err)
	}
}

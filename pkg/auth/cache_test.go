package auth_test

import (
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

func newCachingVerifier(t testing.TB, c *clock, size int, keys ...keyset.PublicKey) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(auth.VerifierConfig{Keys: keys, Issuer: "todofn", Audience: "todofn-api", Now: c.Now, CacheSize: size})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// verifyOK verifies tok and wants the claims of user and session.
func verifyOK(t *testing.T, v *auth.Verifier, tok, user, session string) {
	t.Helper()
	got, err := v.Verify(tok)
	if err != nil || got != (todo.TokenClaims{UserID: user, SessionID: session}) {
		t.Fatalf("Verify = %+v, %v; want %s %s", got, err, user, session)
	}
}

// wantChecks fails unless v has made n signature checks in all.
func wantChecks(t *testing.T, v *auth.Verifier, n int64) {
	t.Helper()
	if got := auth.SignatureChecks(v); got != n {
		t.Fatalf("%d signature checks, want %d", got, n)
	}
}

// TestCacheSkipsOnlyTheSignature: a token seen again is not verified again,
// and gives the same claims; a verifier with the cache off checks every time.
func TestCacheSkipsOnlyTheSignature(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	k := genKey(t, "k1")
	tok, _, err := newIssuer(t, c, k).Issue("user-1", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, c, k.Public()) // the default size
	for range 5 {
		verifyOK(t, v, tok, "user-1", "session-1")
	}
	wantChecks(t, v, 1)

	off := newCachingVerifier(t, c, -1, k.Public())
	for range 3 {
		verifyOK(t, off, tok, "user-1", "session-1")
	}
	wantChecks(t, off, 3)
}

// TestCacheHonoursExpiry: a remembered token passes within exp plus the
// leeway, as a fresh one does, and is refused as expired after it, with
// the injected clock; the failed hit forgets it.
func TestCacheHonoursExpiry(t *testing.T) {
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	c := &clock{start}
	k := genKey(t, "k1")
	tok, exp, err := newIssuer(t, c, k).Issue("user-1", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, c, k.Public())
	verifyOK(t, v, tok, "user-1", "session-1")
	c.t = exp.Add(auth.DefaultLeeway - time.Second) // within the leeway
	verifyOK(t, v, tok, "user-1", "session-1")
	wantChecks(t, v, 1)
	c.t = exp.Add(auth.DefaultLeeway)
	_, err = v.Verify(tok)
	if todo.ErrorCode(err) != todo.Unauthorized || !strings.Contains(todo.ErrorMessage(err), "expired") {
		t.Fatalf("a remembered token past its exp: %v; want unauthorized, expired", err)
	}
	if n := auth.CachedTokens(v); n != 0 {
		t.Fatalf("%d tokens remembered after the expired hit, want 0", n)
	}
	// Back in time (a clock step): the token is checked in full again.
	c.t = start
	verifyOK(t, v, tok, "user-1", "session-1")
	wantChecks(t, v, 2)
}

// TestCacheHonoursRotation: a remembered token stops passing as soon as its
// key leaves the set, or another key takes its kid; its key back, it is
// verified in full and passes again.
func TestCacheHonoursRotation(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	k1, k2 := genKey(t, "k1"), genKey(t, "k2")
	tok, _, err := newIssuer(t, c, k1).Issue("user-1", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, c, k1.Public(), k2.Public())
	verifyOK(t, v, tok, "user-1", "session-1")
	verifyOK(t, v, tok, "user-1", "session-1")
	wantChecks(t, v, 1)

	impostor := genKey(t, "k1") // another key under the same kid
	for _, set := range [][]keyset.PublicKey{{k2.Public()}, {impostor.Public(), k2.Public()}} {
		if err := v.SetKeys(set); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(tok); todo.ErrorCode(err) != todo.Unauthorized {
			t.Fatalf("keys %v: a remembered token of a key gone passed: %v", set, err)
		}
	}
	wantChecks(t, v, 3) // each refusal was a full check

	if err := v.SetKeys([]keyset.PublicKey{k2.Public(), k1.Public()}); err != nil {
		t.Fatal(err)
	}
	verifyOK(t, v, tok, "user-1", "session-1")
	verifyOK(t, v, tok, "user-1", "session-1")
	wantChecks(t, v, 4)

	if err := v.SetKeys(nil); err == nil {
		t.Fatal("SetKeys accepted an empty key set")
	}
	verifyOK(t, v, tok, "user-1", "session-1") // the refused set changed nothing
}

// TestCacheIsBounded: however many tokens pass, the cache holds at most
// CacheSize, and a token in use stays remembered while others come and go.
func TestCacheIsBounded(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	k := genKey(t, "k1")
	is := newIssuer(t, c, k)
	const size = 8
	v := newCachingVerifier(t, c, size, k.Public())
	hot, _, _ := is.Issue("hot", "s")
	verifyOK(t, v, hot, "hot", "s")
	for i := range 100 {
		tok, _, err := is.Issue(fmt.Sprint("user-", i), "s")
		if err != nil {
			t.Fatal(err)
		}
		verifyOK(t, v, tok, fmt.Sprint("user-", i), "s")
		verifyOK(t, v, hot, "hot", "s")
		if n := auth.CachedTokens(v); n > size {
			t.Fatalf("%d tokens remembered, want at most %d", n, size)
		}
	}
	wantChecks(t, v, 101) // one per token: the hot one was never checked again
}

// TestCacheNeverHitsATamperedToken: a token that differs from a remembered
// one in any byte (payload, header, signature, its high-S twin, a byte
// more or less) is checked in full and refused; a refused token is never
// remembered.
func TestCacheNeverHitsATamperedToken(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	k := genKey(t, "k1")
	tok, _, err := newIssuer(t, c, k).Issue("user-1", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, c, k.Public())
	verifyOK(t, v, tok, "user-1", "session-1")
	parts := strings.Split(tok, ".")
	payload := decodePart(t, tok, 1)
	payload["sub"] = "admin"
	forged := parts[0] + "." + encodePart(t, payload) + "." + parts[2]
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	s := new(big.Int).SetBytes(sig[32:])
	tampered := map[string]string{
		"payload":      forged,
		"header":       flip(parts[0]) + "." + parts[1] + "." + parts[2],
		"signature":    parts[0] + "." + parts[1] + "." + flip(parts[2]),
		"high-S twin":  withS(tok, s.Sub(elliptic.P256().Params().N, s)),
		"a byte more":  tok + "A",
		"a byte less":  tok[:len(tok)-1],
		"upper header": strings.ToUpper(parts[0]) + "." + parts[1] + "." + parts[2],
	}
	for name, bad := range tampered {
		t.Run(name, func(t *testing.T) {
			for range 2 { // the second try is not a hit either
				if got, err := v.Verify(bad); todo.ErrorCode(err) != todo.Unauthorized {
					t.Fatalf("Verify = %+v, %v; want unauthorized", got, err)
				}
			}
		})
	}
	if n := auth.CachedTokens(v); n != 1 {
		t.Fatalf("%d tokens remembered, want only the good one", n)
	}
	verifyOK(t, v, tok, "user-1", "session-1")
}

// TestCacheConcurrent verifies a few tokens from many goroutines at once
// (run with -race): every answer is right, and the cache stays bounded.
func TestCacheConcurrent(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	k := genKey(t, "k1")
	is := newIssuer(t, c, k)
	v := newCachingVerifier(t, c, 4, k.Public())
	toks := make([]string, 6)
	for i := range toks {
		toks[i], _, _ = is.Issue(fmt.Sprint("user-", i), "s")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n := (g + i) % len(toks)
				got, err := v.Verify(toks[n])
				if err != nil || got.UserID != fmt.Sprint("user-", n) {
					errs <- fmt.Errorf("token %d: %+v, %v", n, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := auth.CachedTokens(v); n > 4 {
		t.Fatalf("%d tokens remembered, want at most 4", n)
	}
}

// encodePart encodes a token part as JSON in base64url.
func encodePart(t *testing.T, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

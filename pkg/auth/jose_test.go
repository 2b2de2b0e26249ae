package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/todofn/todofn/internal/repo"
	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/keyset"
)

// joseVerify is run by node in the module's root (so that "jose" resolves
// to node_modules/jose): it verifies TOKEN and TAMPERED against the JWK Set
// in JWKS as a third party would, and prints what it found as JSON.
const joseVerify = `
import { createLocalJWKSet, jwtVerify } from 'jose';
const jwks = createLocalJWKSet(JSON.parse(process.env.JWKS));
const opts = { algorithms: ['ES256'], issuer: process.env.ISS, audience: process.env.AUD,
  requiredClaims: ['iat', 'exp', 'sub', 'sid'] };
const out = {};
try {
  const { payload, protectedHeader } = await jwtVerify(process.env.TOKEN, jwks, opts);
  out.payload = payload; out.header = protectedHeader;
} catch (e) { out.error = String(e.code || e); }
try {
  await jwtVerify(process.env.TAMPERED, jwks, opts);
  out.tampered = 'accepted';
} catch (e) { out.tampered = String(e.code || e); }
console.log(JSON.stringify(out));
`

// TestJoseAcceptsOurTokens: a JWKS-based verifier from npm (jose) accepts
// an access token we issued, checked against the JWK Set we publish, and
// refuses the same token with one payload byte changed.
func TestJoseAcceptsOurTokens(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "node_modules", "jose", "package.json"))
	}
	if err != nil {
		if os.Getenv("TODOFN_REQUIRE_SERVICES") == "1" {
			t.Fatalf("node and node_modules/jose are required (make tools): %v", err)
		}
		t.Skipf("no node or node_modules/jose (make tools installs them): %v", err)
	}
	old, current := genKey(t, "k1"), genKey(t, "k2")
	is, err := auth.NewIssuer(auth.IssuerConfig{Keys: []keyset.SigningKey{current}, Issuer: "todofn", Audience: "todofn-api"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := is.Issue("user-1", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := keyset.MarshalJWKS([]keyset.PublicKey{old.Public(), current.Public()})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "--input-type=module", "-e", joseVerify)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "JWKS="+string(jwks), "TOKEN="+tok, "TAMPERED="+tamperPayload(t, tok),
		"ISS=todofn", "AUD=todofn-api")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got struct {
		Payload  map[string]any    `json:"payload"`
		Header   map[string]string `json:"header"`
		Error    string            `json:"error"`
		Tampered string            `json:"tampered"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node printed %s: %v", out, err)
	}
	if got.Error != "" {
		t.Fatalf("jose refused our token: %s", got.Error)
	}
	if got.Header["alg"] != "ES256" || got.Header["kid"] != "k2" || got.Payload["sub"] != "user-1" ||
		got.Payload["sid"] != "session-1" || got.Payload["iss"] != "todofn" || fmt.Sprint(got.Payload["aud"]) != "[todofn-api]" {
		t.Fatalf("jose read header %v, payload %v", got.Header, got.Payload)
	}
	if got.Tampered != "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" {
		t.Fatalf("jose on the tampered token: %s, want ERR_JWS_SIGNATURE_VERIFICATION_FAILED", got.Tampered)
	}
}

// tamperPayload changes one byte of tok's payload (a digit of the user ID)
// and keeps its header and signature.
func tamperPayload(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(payload), `"user-1"`)
	if i < 0 {
		t.Fatalf("payload %s has no user-1", payload)
	}
	payload[i+len(`"user-`)] = '2'
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// Package keyset reads and writes the keys of the access tokens as they
// are configured: ES256 signing keys ("kid=base64url PKCS#8 DER,...", the
// first signing) and public keys ("kid=base64url PKIX DER,..."), renders
// the public ones as a JWK Set, and derives sub-keys from APP_SECRET. It
// imports only the standard library, so the composition root and the tools
// can generate and publish keys without linking the JWT library into
// functions that never see a token.
package keyset

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

func truncate(s string) string {
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

// Derive returns a key for one use of secret, separated from its other uses
// by label (an HMAC-SHA256 of the label under the secret), so that one
// configured secret can key several things without one use revealing
// another's key.
func Derive(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Package keyset reads and writes the signing keys of the access tokens as
// configured: "kid=base64secret,kid2=base64secret", the first key signing
// and all verifying. It imports only the standard library, so the
// composition root can generate development keys without linking the JWT
// library into functions that never see a token.
package keyset

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
)

// Key is one signing secret and its ID.
type Key struct {
	ID     string
	Secret []byte
}

// MinSecretLen is the shortest secret accepted, in bytes: HS256 wants at
// least the hash size.
const MinSecretLen = 32

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Check reports whether k has a well-formed ID (1 to 64 letters, digits,
// '.', '_' or '-') and a secret of at least minLen bytes.
func (k Key) Check(minLen int) error {
	if !kidPattern.MatchString(k.ID) {
		return fmt.Errorf("key ID %q: use 1-64 letters, digits, '.', '_' or '-'", truncate(k.ID))
	}
	if len(k.Secret) < minLen {
		return fmt.Errorf("key %q is %d bytes; at least %d are required", k.ID, len(k.Secret), minLen)
	}
	return nil
}

// Parse reads a key list written as "kid=base64secret,kid2=base64secret"
// (standard or URL base64, padded or not). The first key signs.
func Parse(s string) ([]Key, error) {
	var keys []Key
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kid, b64, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("keyset: key %q: want kid=base64secret", truncate(item))
		}
		secret, err := decodeBase64(b64)
		if err != nil {
			return nil, fmt.Errorf("keyset: key %q: secret is not base64", kid)
		}
		keys = append(keys, Key{ID: kid, Secret: secret})
	}
	return keys, nil
}

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

// New returns a random key with the given ID, for local development.
func New(id string) (Key, error) {
	secret := make([]byte, 48)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("keyset: new key: %w", err)
	}
	return Key{ID: id, Secret: secret}, nil
}

// Format writes keys in the form Parse reads.
func Format(keys []Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + "=" + base64.RawURLEncoding.EncodeToString(k.Secret)
	}
	return strings.Join(parts, ",")
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

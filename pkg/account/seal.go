package account

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"github.com/todofn/todofn/pkg/keyset"
)

// Sealer seals a refresh token for the few seconds a rotation's grace
// period lasts (AES-256-GCM under a key derived from APP_SECRET), so that a
// second tab presenting the spent token gets the same new one while the
// store never holds a live token in the clear.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer keyed by secret.
func NewSealer(secret []byte) *Sealer {
	block, _ := aes.NewCipher(keyset.Derive(secret, "todofn refresh seal v1")) // a 32-byte key: cannot fail
	aead, _ := cipher.NewGCM(block)                                            // the standard nonce size: cannot fail
	return &Sealer{aead: aead}
}

// Seal returns plaintext sealed, as base64url.
func (s *Sealer) Seal(plaintext string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plaintext), nil))
}

// Open returns what Seal sealed, or an error if it was altered.
func (s *Sealer) Open(sealed string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("account: sealed token is malformed")
	}
	n := s.aead.NonceSize()
	p, err := s.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", errors.New("account: sealed token does not open")
	}
	return string(p), nil
}

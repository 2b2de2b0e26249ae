package account

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/todofn/todofn/pkg/keyset"
)

// Codes derives six-digit verification codes from a secret and a per-code
// random nonce. Only the nonce is stored, so the store and its change stream
// never hold a code; the register, verify and mailer functions share the
// secret.
type Codes struct {
	key []byte
}

// NewCodes returns Codes keyed by secret (at least 32 bytes; the caller
// checks). The key is separated from other uses of the secret by a label.
func NewCodes(secret []byte) *Codes {
	return &Codes{key: keyset.Derive(secret, "todofn verification code v1")}
}

// NewNonce returns a fresh random nonce.
func (c *Codes) NewNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("account: nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Code returns the six-digit code for an address and nonce.
func (c *Codes) Code(email, nonce string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(email))
	m.Write([]byte{0})
	m.Write([]byte(nonce))
	sum := m.Sum(nil)
	// 2^64 mod 10^6 is tiny against 2^64: the bias is below 1e-13.
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(sum)%1_000_000)
}

// Check reports, in constant time, whether code is the code for the address
// and nonce.
func (c *Codes) Check(email, nonce, code string) bool {
	if nonce == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Code(email, nonce)), []byte(code)) == 1
}

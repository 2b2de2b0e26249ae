// Package password hashes and checks passwords with argon2id, the
// memory-hard KDF that OWASP recommends first, in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so parameters can change
// later without breaking stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen int
	KeyLen  uint32
}

// DefaultParams are OWASP's first recommended argon2id setting (19 MiB,
// two passes, one lane): strong, yet small enough for a 128-256 MB function
// and a fast cold start.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrMalformed is returned for a stored hash this package cannot read.
var ErrMalformed = errors.New("password: malformed hash")

// Hasher hashes and verifies passwords with fixed parameters.
type Hasher struct {
	p     Params
	dummy string // a hash of a random password, verified against for unknown accounts
}

// NewHasher returns a Hasher using p.
func NewHasher(p Params) *Hasher {
	h := &Hasher{p: p}
	// The dummy only needs the same parameters (and so the same cost) as a
	// real hash; its salt and key are never matched.
	zero := make([]byte, p.SaltLen)
	h.dummy = encode(p, zero, make([]byte, p.KeyLen))
	return h
}

// Hash returns the PHC string of password with a fresh random salt.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.Memory, h.p.Threads, h.p.KeyLen)
	return encode(h.p, salt, key), nil
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the PHC string, comparing in
// constant time. An empty hash (no such account) is checked against a dummy
// of equal cost, so the answer takes as long as for a real account.
func (h *Hasher) Verify(hash, password string) (bool, error) {
	if hash == "" {
		hash = h.dummy
		_, _ = h.verify(hash, password)
		return false, nil
	}
	return h.verify(hash, password)
}

func (h *Hasher) verify(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformed
	}
	// Refuse absurd costs from a tampered row rather than exhaust memory.
	if p.Memory == 0 || p.Memory > 1<<20 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return false, ErrMalformed
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformed
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false, ErrMalformed
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether hash was made with other parameters than h's,
// so a successful login can store a fresh hash.
func (h *Hasher) NeedsRehash(hash string) bool {
	prefix := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads)
	return !strings.HasPrefix(hash, prefix)
}

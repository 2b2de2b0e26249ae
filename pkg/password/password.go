// Package password is everything about passwords: the rules a new one must
// meet (Check: length after NFKC normalisation, and not one of the 10,000
// most common) and hashing and verifying with argon2id, the memory-hard KDF
// that OWASP recommends first, in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so parameters can change
// later without breaking stored hashes (NeedsRehash). A Hasher runs at most
// a fixed number of hashes at once, sized from the memory the process may
// use (Concurrency), so a burst of log-ins waits or is refused as busy
// rather than running the function out of memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// DefaultMaxWait is how long HashContext and VerifyContext wait at most for
// a free slot when the context allows longer (or has no deadline).
const DefaultMaxWait = 2 * time.Second

// Hasher hashes and verifies passwords with fixed parameters, at most a
// fixed number at once. It is safe for concurrent use.
type Hasher struct {
	p       Params
	dummy   string        // a hash of the same cost, verified against for unknown accounts
	slots   chan struct{} // one token per running hash
	maxWait time.Duration
	collect func() // after the last running hash (release); tests wait for it
}

// An Option configures a Hasher.
type Option func(*Hasher)

// WithConcurrency lets at most n hashes (Hash or Verify) run at once; n < 1
// counts as 1. Without it a Hasher allows Concurrency(DefaultMemoryMB, p).
func WithConcurrency(n int) Option {
	return func(h *Hasher) { h.slots = make(chan struct{}, max(1, n)) }
}

// WithMaxWait bounds how long a call waits for a free slot (DefaultMaxWait
// without it); a context deadline that comes sooner wins.
func WithMaxWait(d time.Duration) Option {
	return func(h *Hasher) { h.maxWait = d }
}

// NewHasher returns a Hasher using p.
func NewHasher(p Params, opts ...Option) *Hasher {
	h := &Hasher{p: p, maxWait: DefaultMaxWait, collect: collectInBackground}
	for _, o := range opts {
		o(h)
	}
	if h.slots == nil {
		h.slots = make(chan struct{}, Concurrency(DefaultMemoryMB, p))
	}
	// The dummy only needs the same parameters (and so the same cost) as a
	// real hash; its salt and key are never matched.
	h.dummy = encode(p, make([]byte, p.SaltLen), make([]byte, p.KeyLen))
	return h
}

// Hash is HashContext with context.Background(): it waits at most the
// Hasher's maximum wait for a slot.
func (h *Hasher) Hash(password string) (string, error) {
	return h.HashContext(context.Background(), password)
}

// HashContext returns the PHC string of Normalize(password) with a fresh
// random salt. A password CheckLength refuses is refused the same way,
// before any waiting or hashing. It first waits for a free slot until ctx is done or the
// Hasher's maximum wait has passed, whichever is sooner, and then fails with
// a todo.Unavailable error (RetryAfter 1) without hashing.
func (h *Hasher) HashContext(ctx context.Context, password string) (string, error) {
	if err := CheckLength(password); err != nil {
		return "", err
	}
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	key := argon2.IDKey([]byte(Normalize(password)), salt, h.p.Time, h.p.Memory, h.p.Threads, h.p.KeyLen)
	return encode(h.p, salt, key), nil
}

// Verify is VerifyContext with context.Background(): it waits at most the
// Hasher's maximum wait for a slot.
func (h *Hasher) Verify(hash, password string) (bool, error) {
	return h.VerifyContext(context.Background(), hash, password)
}

// VerifyContext reports whether Normalize(password) matches the PHC string,
// comparing in constant time. An empty hash (no such account) is checked
// against a dummy of equal cost and reports false, so the answer takes as
// long as for a real account. A hash it cannot read is ErrMalformed, and a
// password CheckLength refuses is its ValidationFailed error (no password
// that long can ever have been set), both found before any waiting or
// hashing. It waits for a slot as HashContext does
// and fails the same way when none comes free.
func (h *Hasher) VerifyContext(ctx context.Context, hash, password string) (bool, error) {
	if err := CheckLength(password); err != nil {
		return false, err
	}
	known := hash != ""
	if !known {
		hash = h.dummy
	}
	p, salt, want, err := decode(hash)
	if err != nil {
		return false, err
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	got := argon2.IDKey([]byte(Normalize(password)), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return known && subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether hash should be replaced by a fresh one from
// h: it is not an argon2id hash this package reads, or it was made with
// other parameters than h's (memory, passes, lanes, salt or key length).
// The account service calls it after a successful log-in, when it has the
// password to hash again.
func (h *Hasher) NeedsRehash(hash string) bool {
	p, salt, key, err := decode(hash)
	return err != nil || p.Memory != h.p.Memory || p.Time != h.p.Time || p.Threads != h.p.Threads ||
		len(salt) != h.p.SaltLen || len(key) != int(h.p.KeyLen)
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode reads a PHC argon2id string strictly: version 19, the parameters
// m, t and p in that order, unpadded base64 salt and key. It refuses absurd
// costs from a tampered row rather than exhaust memory.
func decode(hash string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, ErrMalformed
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, ErrMalformed
	}
	var n [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(kv[i], name)
		if !ok {
			return p, nil, nil, ErrMalformed
		}
		if n[i], err = strconv.ParseUint(v, 10, 32); err != nil {
			return p, nil, nil, ErrMalformed
		}
	}
	if n[0] == 0 || n[0] > 1<<20 || n[1] == 0 || n[1] > 16 || n[2] == 0 || n[2] > 255 {
		return p, nil, nil, ErrMalformed
	}
	p = Params{Memory: uint32(n[0]), Time: uint32(n[1]), Threads: uint8(n[2])}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) == 0 || len(key) > 64 {
		return p, nil, nil, ErrMalformed
	}
	p.SaltLen, p.KeyLen = len(salt), uint32(len(key))
	return p, salt, key, nil
}

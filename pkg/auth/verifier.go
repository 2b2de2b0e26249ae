package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// Keys verify; a token's kid header selects one. At least one.
	Keys     []keyset.PublicKey
	Issuer   string // iss, required
	Audience string // aud, required
	// MaxAge is the oldest a token may be (now - iat), and the longest
	// lifetime (exp - iat) it may claim: MaxTTL if zero, at most MaxTTL.
	MaxAge time.Duration
	Leeway time.Duration // clock skew allowed, DefaultLeeway if zero
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CacheSize is how many verified tokens are remembered, so that a
	// token seen again skips its signature check (see Verify):
	// DefaultCacheSize if zero, none if negative.
	CacheSize int
}

// Verifier checks access tokens with public keys only, so a function that
// holds one cannot mint a token. It is safe for concurrent use.
type Verifier struct {
	cfg       VerifierConfig
	keys      atomic.Pointer[map[string]*ecdsa.PublicKey]
	parser    *jwt.Parser
	validator *jwt.Validator // the parser's claim checks, for a cached token
	cache     *tokenCache    // nil: off
	checks    atomic.Int64   // signature checks made (tests)
}

// NewVerifier checks cfg and returns a Verifier. It refuses an empty key
// list, malformed or repeated key IDs, keys that are not P-256, a missing
// issuer or audience and a MaxAge beyond MaxTTL.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: issuer and audience are required")
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = MaxTTL
	}
	if cfg.MaxAge < 0 || cfg.MaxAge > MaxTTL {
		return nil, fmt.Errorf("auth: maximum token age %s: want more than 0 and at most %s", cfg.MaxAge, MaxTTL)
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	keys, err := checkKeys(cfg.Keys)
	if err != nil {
		return nil, err
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	v := &Verifier{cfg: cfg, cache: newTokenCache(cfg.CacheSize)}
	v.keys.Store(&keys)
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	}
	v.parser = jwt.NewParser(opts...)
	// The same checks without the signature: jwt.Validator.Validate is
	// what Parser.ParseWithClaims runs on the claims once the signature
	// verified (golang-jwt/jwt v5 parser.go, validator.go).
	v.validator = jwt.NewValidator(opts...)
	return v, nil
}

// SetKeys replaces the verifying keys, as NewVerifier checks them. A
// remembered token whose key is no longer in the set under its kid (removed
// or replaced) is verified afresh, so it is refused: rotation applies to
// tokens already seen at once. A deployment that rotates by starting new
// instances needs no call: each starts with its key set and no cache.
func (v *Verifier) SetKeys(keys []keyset.PublicKey) error {
	byID, err := checkKeys(keys)
	if err != nil {
		return err
	}
	v.keys.Store(&byID)
	return nil
}

// checkKeys returns keys by ID, refusing none, a malformed or repeated ID
// and a key that is not P-256.
func checkKeys(keys []keyset.PublicKey) (map[string]*ecdsa.PublicKey, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: no key")
	}
	byID := make(map[string]*ecdsa.PublicKey, len(keys))
	for _, k := range keys {
		if !kidOK(k.ID) {
			return nil, fmt.Errorf("auth: key ID %q: use 1-64 letters, digits, '.', '_' or '-'", k.ID)
		}
		if k.Public == nil || k.Public.Curve != elliptic.P256() {
			return nil, fmt.Errorf("auth: key %q is not an EC P-256 key", k.ID)
		}
		if _, dup := byID[k.ID]; dup {
			return nil, fmt.Errorf("auth: key ID %q appears twice", k.ID)
		}
		byID[k.ID] = k.Public
	}
	return byID, nil
}

func kidOK(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// errExpired and errInvalid are Verify's answers, made afresh each time so
// that no caller shares (and could change) another's error.
func errExpired() error {
	return todo.Errorf(todo.Unauthorized, "Your session has expired. Please log in again.")
}

func errInvalid() error {
	return todo.Errorf(todo.Unauthorized, "The access token is not valid. Please log in again.")
}

// Verify checks a token: ES256 signature by the key its kid selects, with
// a low S (S at most N/2; the same token with N-S is refused, see lows.go); iss
// and aud as configured; exp, iat, sub and sid present; not expired (with
// the leeway), not issued in the future, not older than MaxAge and not
// claiming a lifetime beyond it. Every failure is a todo.Unauthorized error
// whose message does not say which check failed beyond "expired".
//
// A token that passed is remembered (CacheSize) by its exact bytes, with
// the key that verified it. When it comes again, only its signature check
// is skipped: every other check above runs again on the remembered claims
// with the clock of that moment, so a remembered token stops passing once
// it expires or grows too old, and it passes only while the key set still
// holds its key under its kid. A token that failed is never remembered,
// and one differing in any byte is checked in full. Session checks (is
// the token's session still live?) belong to the caller and are not
// cached here.
func (v *Verifier) Verify(token string) (todo.TokenClaims, error) {
	keys := *v.keys.Load()
	hit := v.cache.get(token)
	if hit != nil && keys[hit.kid] == hit.key {
		// Read only, so shared by concurrent hits.
		out, err := v.check(&hit.claims, v.validator.Validate(&hit.claims))
		if err != nil {
			v.cache.drop(token)
		}
		return out, err
	}
	var c claims
	e := &verified{}
	_, err := v.parser.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		v.checks.Add(1)
		if !lowS(tok.Signature) {
			return nil, errors.New("auth: not a low-S ES256 signature") // lows.go
		}
		kid, _ := tok.Header["kid"].(string)
		pub, ok := keys[kid]
		if !ok {
			return nil, errors.New("auth: unknown key ID")
		}
		e.kid, e.key = kid, pub
		return pub, nil
	})
	out, err := v.check(&c, err)
	switch {
	case err == nil:
		e.claims = c
		v.cache.put(token, e)
	case hit != nil:
		v.cache.drop(token) // its key left the set: forgotten, not just skipped
	}
	return out, err
}

// check turns the outcome err of the library's checks of c into Verify's
// answer, adding this package's own rules.
func (v *Verifier) check(c *claims, err error) (todo.TokenClaims, error) {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return todo.TokenClaims{}, errExpired()
	case err != nil, c.IssuedAt == nil, c.Subject == "", c.SessionID == "":
		return todo.TokenClaims{}, errInvalid()
	case v.cfg.Now().Sub(c.IssuedAt.Time) > v.cfg.MaxAge+v.cfg.Leeway:
		return todo.TokenClaims{}, errExpired() // older than its maximum lifetime
	case c.ExpiresAt.Sub(c.IssuedAt.Time) > v.cfg.MaxAge:
		return todo.TokenClaims{}, errInvalid()
	}
	return todo.TokenClaims{UserID: c.Subject, SessionID: c.SessionID}, nil
}

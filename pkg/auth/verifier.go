package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
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
}

// Verifier checks access tokens with public keys only, so a function that
// holds one cannot mint a token.
type Verifier struct {
	cfg    VerifierConfig
	keys   map[string]*ecdsa.PublicKey
	parser *jwt.Parser
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
	v := &Verifier{cfg: cfg, keys: keys}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	)
	return v, nil
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
func (v *Verifier) Verify(token string) (todo.TokenClaims, error) {
	var c claims
	_, err := v.parser.ParseWithClaims(token, &c, v.key)
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

func (v *Verifier) key(tok *jwt.Token) (any, error) {
	if !lowS(tok.Signature) {
		return nil, errors.New("auth: not a low-S ES256 signature") // lows.go
	}
	kid, _ := tok.Header["kid"].(string)
	pub, ok := v.keys[kid]
	if !ok {
		return nil, errors.New("auth: unknown key ID")
	}
	return pub, nil
}

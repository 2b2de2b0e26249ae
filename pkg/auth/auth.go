// Package auth issues and verifies the access tokens (JWT, HS256) that the
// todo routes require. It is the only importer of golang-jwt.
//
// Keys carry an ID (the token's "kid" header) so they can rotate: the first
// key signs, every key verifies. Verification pins the algorithm and
// requires exp, iss and aud.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

// MinKeyLen is the shortest secret accepted, in bytes: HS256 wants at least
// the hash size.
const MinKeyLen = keyset.MinSecretLen

// Config configures Tokens.
type Config struct {
	Keys     []keyset.Key  // first signs, all verify; each at least MinKeyLen bytes
	Issuer   string        // iss, required
	Audience string        // aud, required
	TTL      time.Duration // token lifetime, default 15 minutes
	Leeway   time.Duration // clock skew allowed when verifying, default 30 seconds
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	cfg    Config
	keys   map[string][]byte
	parser *jwt.Parser
}

// New checks cfg and returns Tokens. It refuses keys shorter than MinKeyLen,
// duplicate or malformed key IDs, and a missing issuer or audience.
func New(cfg Config) (*Tokens, error) {
	if len(cfg.Keys) == 0 {
		return nil, errors.New("auth: no signing key")
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: issuer and audience are required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 15 * time.Minute
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	keys := make(map[string][]byte, len(cfg.Keys))
	for _, k := range cfg.Keys {
		if err := k.Check(MinKeyLen); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		if _, dup := keys[k.ID]; dup {
			return nil, fmt.Errorf("auth: key ID %q appears twice", k.ID)
		}
		keys[k.ID] = k.Secret
	}
	t := &Tokens{cfg: cfg, keys: keys}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	)
	return t, nil
}

// TTL is the lifetime of issued tokens.
func (t *Tokens) TTL() time.Duration { return t.cfg.TTL }

// Issue returns a signed token for the user and its expiry.
func (t *Tokens) Issue(userID string) (string, time.Time, error) {
	now := t.cfg.Now()
	exp := now.Add(t.cfg.TTL) // the claim keeps whole seconds; the caller gets the exact instant
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: token id: %w", err)
	}
	claims := jwt.RegisteredClaims{
		Issuer:    t.cfg.Issuer,
		Subject:   userID,
		Audience:  jwt.ClaimStrings{t.cfg.Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
		ID:        base64.RawURLEncoding.EncodeToString(jti),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	signer := t.cfg.Keys[0]
	tok.Header["kid"] = signer.ID
	s, err := tok.SignedString(signer.Secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign: %w", err)
	}
	return s, exp, nil
}

// Verify checks a token and returns its subject (the user ID). Every
// failure is a todo.Unauthorized error whose message does not say which
// check failed beyond "expired".
func (t *Tokens) Verify(token string) (string, error) {
	var claims jwt.RegisteredClaims
	_, err := t.parser.ParseWithClaims(token, &claims, t.key)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", todo.Errorf(todo.Unauthorized, "Your session has expired. Please log in again.")
	case err != nil:
		return "", todo.Errorf(todo.Unauthorized, "The access token is not valid. Please log in again.")
	case claims.Subject == "":
		return "", todo.Errorf(todo.Unauthorized, "The access token is not valid. Please log in again.")
	}
	return claims.Subject, nil
}

func (t *Tokens) key(tok *jwt.Token) (any, error) {
	kid, _ := tok.Header["kid"].(string)
	secret, ok := t.keys[kid]
	if !ok {
		return nil, errors.New("auth: unknown key ID")
	}
	return secret, nil
}

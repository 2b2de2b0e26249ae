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
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todofn/todofn/pkg/todo"
)

// MinKeyLen is the shortest secret accepted, in bytes: HS256 wants at least
// the hash size.
const MinKeyLen = 32

// Key is one signing secret and its ID.
type Key struct {
	ID     string
	Secret []byte
}

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// ParseKeys reads a key list written as "kid=base64secret,kid2=base64secret"
// (standard or URL base64, padded or not). The first key signs.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kid, b64, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("auth: key %q: want kid=base64secret", truncate(item))
		}
		secret, err := decodeBase64(b64)
		if err != nil {
			return nil, fmt.Errorf("auth: key %q: secret is not base64", kid)
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

// NewKey returns a random key with the given ID, for local development.
func NewKey(id string) (Key, error) {
	secret := make([]byte, 48)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("auth: new key: %w", err)
	}
	return Key{ID: id, Secret: secret}, nil
}

// FormatKeys writes keys in the form ParseKeys reads.
func FormatKeys(keys []Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + "=" + base64.RawURLEncoding.EncodeToString(k.Secret)
	}
	return strings.Join(parts, ",")
}

// Config configures Tokens.
type Config struct {
	Keys     []Key         // first signs, all verify; each at least MinKeyLen bytes
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
		if !kidPattern.MatchString(k.ID) {
			return nil, fmt.Errorf("auth: key ID %q: use 1-64 letters, digits, '.', '_' or '-'", truncate(k.ID))
		}
		if len(k.Secret) < MinKeyLen {
			return nil, fmt.Errorf("auth: key %q is %d bytes; at least %d are required", k.ID, len(k.Secret), MinKeyLen)
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

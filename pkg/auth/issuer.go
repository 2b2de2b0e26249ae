package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todofn/todofn/pkg/keyset"
)

// Lifetimes of access tokens.
const (
	DefaultTTL    = 10 * time.Minute // an issued token's lifetime unless configured
	MaxTTL        = time.Hour        // the longest lifetime issued or accepted
	DefaultLeeway = 30 * time.Second // clock skew allowed when verifying
)

// IssuerConfig configures an Issuer.
type IssuerConfig struct {
	Keys     []keyset.SigningKey // the first signs; at least one
	Issuer   string              // iss, required
	Audience string              // aud, required
	TTL      time.Duration       // token lifetime, DefaultTTL if zero, at most MaxTTL
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Issuer signs access tokens (ES256) with the first of its keys. Only the
// functions that log users in hold one; every other function holds a
// Verifier.
type Issuer struct {
	cfg    IssuerConfig
	signer keyset.SigningKey
}

// NewIssuer checks cfg and returns an Issuer. It refuses an empty key list,
// a malformed key ID or a key that is not P-256, a missing issuer or
// audience and a TTL beyond MaxTTL.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	if len(cfg.Keys) == 0 {
		return nil, errors.New("auth: no signing key")
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: issuer and audience are required")
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.TTL < 0 || cfg.TTL > MaxTTL {
		return nil, fmt.Errorf("auth: token lifetime %s: want more than 0 and at most %s", cfg.TTL, MaxTTL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pub := make([]keyset.PublicKey, 0, len(cfg.Keys))
	for _, k := range cfg.Keys {
		if k.Private == nil {
			return nil, fmt.Errorf("auth: key %q has no private key", k.ID)
		}
		pub = append(pub, k.Public())
	}
	if _, err := checkKeys(pub); err != nil {
		return nil, err
	}
	return &Issuer{cfg: cfg, signer: cfg.Keys[0]}, nil
}

// TTL is the lifetime of issued tokens.
func (is *Issuer) TTL() time.Duration { return is.cfg.TTL }

// Issue returns a signed token for the user's session and its expiry. The
// token carries iss, aud, sub (userID), sid (sessionID), iat, exp and a
// random jti, and the signing key's ID in its kid header; its ES256
// signature always has a low S (lows.go). Both IDs are required.
func (is *Issuer) Issue(userID, sessionID string) (token string, expires time.Time, err error) {
	if userID == "" || sessionID == "" {
		return "", time.Time{}, errors.New("auth: issue: a user ID and a session ID are required")
	}
	now := is.cfg.Now()
	exp := now.Add(is.cfg.TTL) // the claim keeps whole seconds; the caller gets the exact instant
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: token id: %w", err)
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    is.cfg.Issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{is.cfg.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        base64.RawURLEncoding.EncodeToString(jti),
		},
		SessionID: sessionID,
	}
	tok := jwt.NewWithClaims(es256LowS{jwt.SigningMethodES256}, c) // low S only (lows.go)
	tok.Header["kid"] = is.signer.ID
	s, err := tok.SignedString(is.signer.Private)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign: %w", err)
	}
	return s, exp, nil
}

// claims are the access token's claims: the registered ones and sid.
type claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid,omitempty"`
}

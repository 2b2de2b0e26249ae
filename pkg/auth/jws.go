package auth

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// The tokens are JWS compact serialisations (RFC 7515 §7.1) of a JWT (RFC
// 7519) signed with ES256 (RFC 7518 §3.4): BASE64URL(header) "."
// BASE64URL(claims) "." BASE64URL(R || S). This file writes and reads
// exactly that and nothing else, with the standard library only. It was
// golang-jwt/jwt v5 (v5.3.1) until it was measured to cost each function
// about 0.1 MiB (its init registers every signing method, so RSA, RSA-PSS,
// HMAC and Ed25519 were linked for one algorithm); its behaviour is kept
// check by check (each is named below after the v5 function it stands
// for), and the package's tests still forge their bad tokens with
// golang-jwt, an independent implementation.

// es256 is the one algorithm a token may name in its "alg" header.
const es256 = "ES256"

// b64 is JWS's base64url without padding (RFC 7515 §2), decoded as v5's
// Parser.DecodeSegment does by default (not strict, no padding).
var b64 = base64.RawURLEncoding

// numericDate is a JWT NumericDate (RFC 7519 §2): seconds since the epoch,
// written as an integer and read as any JSON number, as v5's NumericDate
// with its default precision of a second.
type numericDate struct{ time.Time }

// MarshalJSON writes the whole seconds.
func (d numericDate) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, d.Truncate(time.Second).Unix(), 10), nil
}

// UnmarshalJSON reads a JSON number of seconds, fractions truncated to the
// second (v5's NumericDate.UnmarshalJSON and newNumericDateFromSeconds).
func (d *numericDate) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	f, err := n.Float64()
	if err != nil {
		return err
	}
	whole, frac := math.Modf(f)
	d.Time = time.Unix(int64(whole), int64(frac*1e9)).Truncate(time.Second)
	return nil
}

// audience is the "aud" claim: one string or an array of strings (RFC 7519
// §4.1.3), written as an array (v5's ClaimStrings, MarshalSingleStringAsArray).
type audience []string

// UnmarshalJSON reads a string, an array of strings or null; anything else
// is an error (v5's ClaimStrings.UnmarshalJSON).
func (a *audience) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		*a = audience{v}
	case []any:
		out := make(audience, 0, len(v))
		for _, s := range v {
			s, ok := s.(string)
			if !ok {
				return errors.New("auth: aud: not a string")
			}
			out = append(out, s)
		}
		*a = out
	default:
		return errors.New("auth: aud: not a string or an array")
	}
	return nil
}

// claims are the access token's claims, in v5's RegisteredClaims' order,
// then sid.
type claims struct {
	Issuer    string       `json:"iss,omitempty"`
	Subject   string       `json:"sub,omitempty"`
	Audience  audience     `json:"aud,omitempty"`
	ExpiresAt *numericDate `json:"exp,omitempty"`
	NotBefore *numericDate `json:"nbf,omitempty"`
	IssuedAt  *numericDate `json:"iat,omitempty"`
	ID        string       `json:"jti,omitempty"`
	SessionID string       `json:"sid,omitempty"`
}

// errExpiredToken is validate's answer for a token past its exp (with the
// leeway), whatever else is wrong with it (v5 joins the errors, and
// errors.Is finds jwt.ErrTokenExpired among them).
var errExpiredToken = errors.New("auth: token is expired")

// errInvalidToken is any other failure; which one is not told.
var errInvalidToken = errors.New("auth: token is invalid")

// header is a token's protected header: {"alg":"ES256","kid":...,"typ":"JWT"}
// (v5's NewWithClaims header plus kid, its keys in json.Marshal's order).
func header(kid string) ([]byte, error) {
	return json.Marshal(map[string]string{"alg": es256, "kid": kid, "typ": "JWT"})
}

// sign returns the compact token of c signed by key under kid, its S
// always low (lows.go).
func sign(kid string, c *claims, key *ecdsa.PrivateKey) (string, error) {
	h, err := header(kid)
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(b64.EncodedLen(len(h)) + b64.EncodedLen(len(p)) + b64.EncodedLen(64) + 2)
	b.WriteString(b64.EncodeToString(h))
	b.WriteByte('.')
	b.WriteString(b64.EncodeToString(p))
	digest := sha256.Sum256([]byte(b.String()))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	lowSOf(s).FillBytes(sig[32:])
	b.WriteByte('.')
	b.WriteString(b64.EncodeToString(sig))
	return b.String(), nil
}

// parsed is a token taken apart, its signature not yet checked.
type parsed struct {
	signed string // header "." claims: what the signature covers
	kid    string
	sig    []byte
	claims claims
}

// parse takes token apart as v5's Parser.ParseUnverified does, in its
// order: three segments; the header, base64url JSON (an object); the
// claims, base64url JSON into claims; "alg" a string naming ES256 (v5
// refuses an unregistered alg here and one outside WithValidMethods right
// after; only ES256 is both); the signature, base64url. "kid" is read as
// the Verifier's key function read it: a string, else none.
func parse(token string) (*parsed, error) {
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return nil, errInvalidToken
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return nil, errInvalidToken
	}
	var head map[string]any
	if err := json.Unmarshal(hb, &head); err != nil {
		return nil, errInvalidToken
	}
	pb, err := b64.DecodeString(p)
	if err != nil {
		return nil, errInvalidToken
	}
	out := &parsed{signed: token[:len(h)+1+len(p)]}
	if err := json.Unmarshal(pb, &out.claims); err != nil {
		return nil, errInvalidToken
	}
	if alg, _ := head["alg"].(string); alg != es256 {
		return nil, errInvalidToken
	}
	if out.sig, err = b64.DecodeString(s); err != nil {
		return nil, errInvalidToken
	}
	out.kid, _ = head["kid"].(string)
	return out, nil
}

// verifySignature reports whether sig is an ES256 signature of signed by
// pub: 64 bytes, R and S big-endian (v5's SigningMethodECDSA.Verify).
func verifySignature(pub *ecdsa.PublicKey, signed string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	digest := sha256.Sum256([]byte(signed))
	return ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// validate runs v5's Validator.Validate with the options the Verifier
// used (WithExpirationRequired, WithIssuedAt, WithIssuer, WithAudience,
// WithLeeway, WithTimeFunc) on c at now: exp required and now before exp
// + leeway; nbf, if present, not after now + leeway; iat, if present, not
// after now + leeway; aud present and holding audience; iss equal to
// issuer. An expired token is errExpiredToken even if another check
// fails too.
func validate(c *claims, now time.Time, leeway time.Duration, issuer, aud string) error {
	if c.ExpiresAt != nil && !now.Before(c.ExpiresAt.Add(leeway)) {
		return errExpiredToken
	}
	switch {
	case c.ExpiresAt == nil,
		c.NotBefore != nil && now.Before(c.NotBefore.Add(-leeway)),
		c.IssuedAt != nil && now.Before(c.IssuedAt.Add(-leeway)),
		!hasAudience(c.Audience, aud),
		c.Issuer == "" || c.Issuer != issuer:
		return errInvalidToken
	}
	return nil
}

// hasAudience reports whether aud is non-empty (not [""]) and holds want.
func hasAudience(aud audience, want string) bool {
	if len(aud) == 0 || len(aud) == 1 && aud[0] == "" {
		return false
	}
	for _, a := range aud {
		if a == want {
			return true
		}
	}
	return false
}

package keyset

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// JWK is one public key as RFC 7517 (JSON Web Key) and RFC 7518 section
// 6.2 (elliptic-curve keys) write it.
type JWK struct {
	Kty string `json:"kty"` // "EC"
	Crv string `json:"crv"` // "P-256"
	X   string `json:"x"`   // base64url, 32 bytes
	Y   string `json:"y"`   // base64url, 32 bytes
	Kid string `json:"kid"`
	Alg string `json:"alg"` // "ES256"
	Use string `json:"use"` // "sig"
}

// JWKSet is a JWK Set document: what /.well-known/jwks.json serves.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns the JWK Set of keys, in their order: every key P-256 for
// ES256 signatures. It holds no private part.
func JWKS(keys []PublicKey) (JWKSet, error) {
	set := JWKSet{Keys: make([]JWK, 0, len(keys))}
	for _, k := range keys {
		point, err := k.Public.Bytes() // 0x04 || X || Y, each 32 bytes on P-256
		if err != nil || len(point) != 65 {
			return JWKSet{}, fmt.Errorf("keyset: key %q: not an EC P-256 public key", k.ID)
		}
		set.Keys = append(set.Keys, JWK{Kty: "EC", Crv: "P-256", Kid: k.ID, Alg: "ES256", Use: "sig",
			X: base64.RawURLEncoding.EncodeToString(point[1:33]),
			Y: base64.RawURLEncoding.EncodeToString(point[33:])})
	}
	return set, nil
}

// MarshalJWKS returns the JWK Set of keys as indented JSON with a final
// newline, ready to be served or written to a file.
func MarshalJWKS(keys []PublicKey) ([]byte, error) {
	set, err := JWKS(keys)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keyset: jwks: %w", err)
	}
	return append(b, '\n'), nil
}

package keyset

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
)

// SigningKey is one private key of the access tokens (ES256: ECDSA on
// P-256) and its ID, the tokens' "kid" header.
type SigningKey struct {
	ID      string
	Private *ecdsa.PrivateKey
}

// PublicKey is one key that verifies access tokens, and its ID.
type PublicKey struct {
	ID     string
	Public *ecdsa.PublicKey
}

// Public returns the public half of k, under the same ID.
func (k SigningKey) Public() PublicKey {
	return PublicKey{ID: k.ID, Public: &k.Private.PublicKey}
}

// Generate returns a new P-256 signing key with the given ID, for local
// development and for `make jwks`-style tooling.
func Generate(id string) (SigningKey, error) {
	if err := checkID(id); err != nil {
		return SigningKey{}, err
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("keyset: generate key: %w", err)
	}
	return SigningKey{ID: id, Private: priv}, nil
}

// ParseSigning reads signing keys written as "kid=KEY[,kid2=KEY2]", each
// KEY the base64url (or standard base64) of a PKCS#8 DER EC P-256 private
// key. The first key signs. It refuses malformed items, bad or repeated key
// IDs and keys of another type or curve, naming the key at fault.
func ParseSigning(s string) ([]SigningKey, error) {
	var keys []SigningKey
	err := eachItem(s, func(kid string, der []byte) error {
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("keyset: key %q: not a PKCS#8 private key", kid)
		}
		priv, ok := k.(*ecdsa.PrivateKey)
		if !ok || priv.Curve != elliptic.P256() {
			return fmt.Errorf("keyset: key %q: not an EC P-256 private key (ES256)", kid)
		}
		keys = append(keys, SigningKey{ID: kid, Private: priv})
		return nil
	})
	return keys, err
}

// ParsePublic reads public keys written as "kid=KEY[,kid2=KEY2]", each KEY
// the base64url (or standard base64) of a PKIX DER EC P-256 public key. It
// refuses what ParseSigning refuses.
func ParsePublic(s string) ([]PublicKey, error) {
	var keys []PublicKey
	err := eachItem(s, func(kid string, der []byte) error {
		k, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return fmt.Errorf("keyset: key %q: not a PKIX public key", kid)
		}
		pub, ok := k.(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() {
			return fmt.Errorf("keyset: key %q: not an EC P-256 public key (ES256)", kid)
		}
		keys = append(keys, PublicKey{ID: kid, Public: pub})
		return nil
	})
	return keys, err
}

// eachItem splits a "kid=base64,..." list and hands each well-formed item,
// decoded, to fn; empty items are skipped, a key ID may appear once.
func eachItem(s string, fn func(kid string, der []byte) error) error {
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kid, b64, ok := strings.Cut(item, "=")
		if !ok {
			return fmt.Errorf("keyset: key %q: want kid=base64key", truncate(item))
		}
		if err := checkID(kid); err != nil {
			return err
		}
		if seen[kid] {
			return fmt.Errorf("keyset: key ID %q appears twice", kid)
		}
		seen[kid] = true
		der, err := decodeBase64(b64)
		if err != nil {
			return fmt.Errorf("keyset: key %q: not base64", kid)
		}
		if err := fn(kid, der); err != nil {
			return err
		}
	}
	return nil
}

// checkID accepts a key ID of 1-64 ASCII letters, digits, '.', '_' or '-'.
// (A loop, not a regexp: package regexp would add about 110 KB to every
// function binary, and this is its only use there.)
func checkID(id string) error {
	ok := len(id) >= 1 && len(id) <= 64
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return fmt.Errorf("keyset: key ID %q: use 1-64 letters, digits, '.', '_' or '-'", truncate(id))
	}
	return nil
}

// FormatSigning writes keys in the form ParseSigning reads.
func FormatSigning(keys []SigningKey) (string, error) {
	parts := make([]string, len(keys))
	for i, k := range keys {
		der, err := x509.MarshalPKCS8PrivateKey(k.Private)
		if err != nil {
			return "", fmt.Errorf("keyset: key %q: %w", k.ID, err)
		}
		parts[i] = k.ID + "=" + base64.RawURLEncoding.EncodeToString(der)
	}
	return strings.Join(parts, ","), nil
}

// FormatPublic writes keys in the form ParsePublic reads.
func FormatPublic(keys []PublicKey) (string, error) {
	parts := make([]string, len(keys))
	for i, k := range keys {
		der, err := x509.MarshalPKIXPublicKey(k.Public)
		if err != nil {
			return "", fmt.Errorf("keyset: key %q: %w", k.ID, err)
		}
		parts[i] = k.ID + "=" + base64.RawURLEncoding.EncodeToString(der)
	}
	return strings.Join(parts, ","), nil
}

// Verifying is the set of keys that verify tokens: the public halves of
// the signing keys, then the public keys, each ID once. An ID given twice
// with the same key counts once; with different keys it is an error, since
// a token's kid must select one key.
func Verifying(signing []SigningKey, public []PublicKey) ([]PublicKey, error) {
	all := make([]PublicKey, 0, len(signing)+len(public))
	for _, k := range signing {
		all = append(all, k.Public())
	}
	all = append(all, public...)
	out := all[:0:0]
	byID := map[string]*ecdsa.PublicKey{}
	for _, k := range all {
		if prev, ok := byID[k.ID]; ok {
			if !prev.Equal(k.Public) {
				return nil, fmt.Errorf("keyset: key ID %q names two different keys", k.ID)
			}
			continue
		}
		byID[k.ID] = k.Public
		out = append(out, k)
	}
	return out, nil
}

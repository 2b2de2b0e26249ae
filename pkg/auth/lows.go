package auth

import (
	"crypto/elliptic"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// ECDSA signatures are malleable: if (R, S) signs a message, so does
// (R, N-S), and crypto/ecdsa.Verify (which golang-jwt's ES256 calls)
// accepts both. So anyone holding a token could mint a second, different
// string for it, which defeats any use of the token's text as an
// identifier (a denylist, a cache key, a log correlation). Tokens here are
// "low-S" only, as Bitcoin's BIP 146 (LOW_S) and Ethereum's EIP-2 require:
// the issuer normalises S to the lower half after signing and the verifier
// refuses S above N/2 before checking the signature. The signature format
// is JWS's for ES256, R and S as two 32-byte big-endian integers (RFC 7518
// §3.4).

// p256N and halfN: the curve's order N and (N-1)/2, the largest low S.
var (
	p256N = elliptic.P256().Params().N
	halfN = new(big.Int).Rsh(p256N, 1)
)

// es256LowS is golang-jwt's ES256 whose signatures are always low-S. It is
// used to sign only, and never registered: jwt.RegisterSigningMethod
// changes a process-wide table that other code (and golang-jwt's parser)
// reads.
type es256LowS struct{ *jwt.SigningMethodECDSA }

// Sign signs as ES256 does and replaces a high S by N-S.
func (m es256LowS) Sign(signingString string, key any) ([]byte, error) {
	sig, err := m.SigningMethodECDSA.Sign(signingString, key)
	if err != nil || len(sig) != 64 {
		return sig, err
	}
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(halfN) > 0 {
		s.Sub(p256N, s).FillBytes(sig[32:])
	}
	return sig, nil
}

// lowS reports whether sig is an ES256 signature (64 bytes) whose S is in
// [1, (N-1)/2].
func lowS(sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	s := new(big.Int).SetBytes(sig[32:])
	return s.Sign() > 0 && s.Cmp(halfN) <= 0
}

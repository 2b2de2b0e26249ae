package auth

import (
	"crypto/elliptic"
	"math/big"
)

// ECDSA signatures are malleable: if (R, S) signs a message, so does
// (R, N-S), and crypto/ecdsa.Verify accepts both. So anyone holding a
// token could mint a second, different string for it, which defeats any
// use of the token's text as an identifier (a denylist, a cache key, a
// log correlation). Tokens here are "low-S" only, as Bitcoin's BIP 146
// (LOW_S) and Ethereum's EIP-2 require: the issuer normalises S to the
// lower half after signing and the verifier refuses S above N/2 before
// checking the signature. The signature format is JWS's for ES256, R and
// S as two 32-byte big-endian integers (RFC 7518 §3.4).

// p256N and halfN: the curve's order N and (N-1)/2, the largest low S.
var (
	p256N = elliptic.P256().Params().N
	halfN = new(big.Int).Rsh(p256N, 1)
)

// lowSOf returns s if it is at most N/2, else N-s: the other valid S of
// the same signature (the issuer's normalisation).
func lowSOf(s *big.Int) *big.Int {
	if s.Cmp(halfN) > 0 {
		return new(big.Int).Sub(p256N, s)
	}
	return s
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

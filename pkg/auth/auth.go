// Package auth issues and verifies the access tokens (JWT, ES256) that the
// todo routes require. It is the only importer of golang-jwt.
//
// An Issuer holds private keys (only the functions that log users in get
// any) and signs with the first; a Verifier holds public keys only, so a
// function that verifies cannot mint a token. Keys carry an ID (the
// token's "kid" header) so they can rotate: the kid selects the verifying
// key, and an unknown kid is refused. Verification pins the algorithm and
// requires exp, iat, iss, aud, sub and sid; tokens live 10 minutes by
// default and at most an hour (MaxTTL), and an older one is refused.
package auth

package auth

// SignatureChecks returns how many tokens v has checked the signature of
// (each reaching the key lookup), so tests can tell a cache hit from a
// full check.
func SignatureChecks(v *Verifier) int64 { return v.checks.Load() }

// CachedTokens returns how many verified tokens v remembers.
func CachedTokens(v *Verifier) int { return v.cache.len() }

package auth

import (
	"crypto/ecdsa"
	"sync"
)

// DefaultCacheSize is how many verified tokens a Verifier remembers when
// VerifierConfig.CacheSize is 0.
const DefaultCacheSize = 1024

// verified is a token whose signature checked out: its claims, and the key
// (by ID and by identity) that verified it. A hit is valid only while the
// key set still maps kid to that very key (see Verifier.SetKeys).
type verified struct {
	claims claims
	kid    string
	key    *ecdsa.PublicKey
}

// tokenCache remembers verified tokens by the whole token, so that a hit
// is a token byte for byte equal to one whose signature was checked: a
// tampered token (another payload, header or signature) is another key
// and never hits. It is bounded by two generations of at most half the
// size each: when the current one is full it becomes the old one (the
// previous old one is dropped), and a hit in the old one moves the entry
// to the current one, so tokens in use stay and the rest age out. It is
// safe for concurrent use.
type tokenCache struct {
	mu       sync.Mutex
	gen      int // entries per generation
	cur, old map[string]*verified
}

// newTokenCache returns a cache of at most size entries, or nil (no cache)
// when size is below 2.
func newTokenCache(size int) *tokenCache {
	if size < 2 {
		return nil
	}
	gen := size / 2
	return &tokenCache{gen: gen, cur: make(map[string]*verified, gen)}
}

// get returns the entry of token, or nil.
func (c *tokenCache) get(token string) *verified {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.cur[token]; e != nil {
		return e
	}
	e := c.old[token]
	if e != nil {
		delete(c.old, token)
		c.putLocked(token, e)
	}
	return e
}

// put remembers token's entry.
func (c *tokenCache) put(token string, e *verified) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(token, e)
}

func (c *tokenCache) putLocked(token string, e *verified) {
	if _, ok := c.cur[token]; !ok && len(c.cur) >= c.gen {
		c.old, c.cur = c.cur, make(map[string]*verified, c.gen)
	}
	c.cur[token] = e
}

// drop forgets token (a hit that no longer passes the checks).
func (c *tokenCache) drop(token string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, token)
	delete(c.old, token)
}

// len returns how many tokens the cache holds.
func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}

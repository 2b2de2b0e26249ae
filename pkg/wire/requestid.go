package wire

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// RequestIDHeader carries a request ID in and out.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a client-supplied request ID.
const maxRequestIDLen = 128

// ValidRequestID reports whether id is safe to log and echo: 1 to 128
// characters of [A-Za-z0-9._:-].
func ValidRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// NewRequestID returns a fresh random request ID (24 hex digits).
func NewRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

type ctxKey struct{}

// WithRequestID returns a context carrying id, or a fresh ID when id is not
// well formed.
func WithRequestID(ctx context.Context, id string) context.Context {
	if !ValidRequestID(id) {
		id = NewRequestID()
	}
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request ID in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

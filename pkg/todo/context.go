package todo

import (
	"context"
	"net/netip"
)

type ctxKey int

const userIDKey ctxKey = 0

// WithUserID returns a context that carries the authenticated user's ID.
func WithUserID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, userIDKey, id)
}

// UserID returns the authenticated user's ID, or "" if the request is
// anonymous.
func UserID(ctx context.Context) string {
	id, _ := ctx.Value(userIDKey).(string)
	return id
}

type clientIPKey struct{}

// WithClientIP returns a context that carries the client's IP address, as
// the API determined it (the platform's source IP, or the address a trusted
// proxy forwarded).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP returns the client's IP address, or "" when it is not known.
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

// NetworkOf returns the part of a client IP that one client controls, for
// keying per-client budgets: an IPv4 address whole, and an IPv6 address's
// /64 prefix (written as "2001:db8:1:2::/64"), since one subscriber is
// handed at least a /64 (RFC 6177, RFC 7421: a /64 is the smallest prefix
// SLAAC works on) and can use any address in it. Anything that is not an
// IP address is returned unchanged.
func NetworkOf(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

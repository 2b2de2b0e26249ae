package todo

import "context"

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

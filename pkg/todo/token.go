package todo

import "context"

// TokenClaims is what a verified access token says: whose it is and the
// log-in session it belongs to. Package auth fills it in; the API puts both
// into the request's context.
type TokenClaims struct {
	UserID    string // the token's sub
	SessionID string // the token's sid: the refresh session it was issued in
}

type sessionIDKey struct{}

// WithSessionID returns a context that carries the authenticated request's
// session ID.
func WithSessionID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, sessionIDKey{}, id)
}

// SessionID returns the authenticated request's session ID, or "" if the
// request is anonymous.
func SessionID(ctx context.Context) string {
	id, _ := ctx.Value(sessionIDKey{}).(string)
	return id
}

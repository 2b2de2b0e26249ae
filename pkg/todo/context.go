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

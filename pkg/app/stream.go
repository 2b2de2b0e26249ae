package app

import (
	"context"

	"github.com/todofn/todofn/pkg/account"
)

// handleStreamEvent decodes one trigger payload into user changes and hands
// each to n.
func (a *App) handleStreamEvent(ctx context.Context, n *account.Notifier, payload []byte) ([]byte, error) {
	if isDynamoDBEvent(payload) {
		return a.handleDynamoDBEvent(ctx, n, payload)
	}
	return a.handleTablestoreEvent(ctx, n, payload)
}

package app

import (
	"context"
	"errors"

	"github.com/todofn/todofn/pkg/account"
)

// handleStreamEvent decodes one trigger payload into user changes and hands
// each to n.
func (a *App) handleStreamEvent(ctx context.Context, n *account.Notifier, payload []byte) ([]byte, error) {
	return nil, errors.New("app: mailer: unrecognised event")
}

//go:build no_tablestore

package app

import (
	"context"
	"errors"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/todo"
)

var errNoTablestore = errors.New("app: this binary was built without the Tablestore engine (tag no_tablestore)")

func openTablestore(context.Context, Config) (todo.Store, error) { return nil, errNoTablestore }

// CreateTablestoreTables fails: the engine is not built in.
func CreateTablestoreTables(context.Context, Config) error { return errNoTablestore }

func (a *App) handleTablestoreEvent(context.Context, *account.Notifier, []byte) ([]byte, error) {
	return nil, errNoTablestore
}

//go:build no_dynamodb

package app

import (
	"context"
	"errors"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/todo"
)

var errNoDynamoDB = errors.New("app: this binary was built without the DynamoDB engine (tag no_dynamodb)")

func openDynamoDB(context.Context, Config) (todo.Store, error) { return nil, errNoDynamoDB }

// CreateDynamoDBTables fails: the engine is not built in.
func CreateDynamoDBTables(context.Context, Config) error { return errNoDynamoDB }

func isDynamoDBEvent([]byte) bool { return false }

func (a *App) handleDynamoDBEvent(context.Context, *account.Notifier, []byte) ([]byte, error) {
	return nil, errNoDynamoDB
}

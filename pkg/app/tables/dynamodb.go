//go:build !no_dynamodb

package tables

import (
	"context"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/dynamodb"
)

func init() {
	creators["dynamodb"] = func(ctx context.Context, c app.Config) error {
		return dynamodb.CreateTables(ctx, c.DynamoDB())
	}
}

//go:build !no_dynamodb

package tables

import (
	"context"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/dynamodb"
)

func dynamodbCreator() *creator {
	return &creator{engine: "dynamodb", create: func(ctx context.Context, c app.Config) error {
		return dynamodb.CreateTables(ctx, c.DynamoDB())
	}}
}

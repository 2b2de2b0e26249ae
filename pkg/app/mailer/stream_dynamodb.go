//go:build !no_dynamodb

package mailer

import (
	"context"
	"log/slog"

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// dynamodbCodec reads Lambda's DynamoDB stream batches, answered record by
// record (batchItemFailures).
func dynamodbCodec() *codec {
	return &codec{engine: "dynamodb", claims: dynamodb.IsStreamEvent, handle: func(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error) {
		return stream.New(log).PerRecord(ctx, payload, dynamodb.DecodeStream, fn)
	}}
}

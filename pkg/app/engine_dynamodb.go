//go:build !no_dynamodb

package app

import (
	"context"
	"log/slog"

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// dynamodbEngine is the DynamoDB engine; `-tags no_dynamodb` leaves it (and
// the AWS SDK) out of binaries meant for Function Compute
// (engine_nodynamodb.go). Its stream events are Lambda's DynamoDB stream
// batches, answered record by record.
func dynamodbEngine() *engine {
	return &engine{
		name:  "dynamodb",
		local: func(c Config) bool { return loopback(c.DynamoDBEndpoint) },
		problems: func(c Config) []string {
			var p []string
			if c.AWSRegion == "" {
				p = append(p, "AWS_REGION is required with STORE=dynamodb")
			}
			if c.DynamoDBEndpoint == "" && (c.AWSAccessKeyID == "" || c.AWSSecretKey == "") {
				p = append(p, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required with STORE=dynamodb (Lambda sets them; locally: eval \"$(aws configure export-credentials --format env)\")")
			}
			return p
		},
		open: func(ctx context.Context, c Config) (todo.Store, error) { return dynamodb.Open(ctx, c.DynamoDB()) },
		stream: &streamCodec{claims: dynamodb.IsStreamEvent, handle: func(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error) {
			return stream.New(log).PerRecord(ctx, payload, dynamodb.DecodeStream, fn)
		}},
	}
}

// DynamoDB is the dynamodb engine's configuration.
func (c Config) DynamoDB() dynamodb.Config {
	return dynamodb.Config{Region: c.AWSRegion, Endpoint: c.DynamoDBEndpoint,
		UsersTable: c.UsersTable, TodosTable: c.TodosTable, KeysTable: c.KeysTable, SessionsTable: c.SessionsTable,
		AccessKeyID: c.AWSAccessKeyID, SecretAccessKey: c.AWSSecretKey, SessionToken: c.AWSSessionToken,
		CallTimeout: c.StoreCallTimeout, AttemptTimeout: c.StoreAttemptTimeout}
}

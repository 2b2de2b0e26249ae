//go:build !no_dynamodb

package app

import (
	"context"

	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// dynamodbEngine is the DynamoDB engine; `-tags no_dynamodb` leaves it (and
// the AWS SDK) out of binaries meant for Function Compute
// (engine_nodynamodb.go). The mailer reads its stream (package
// app/mailer).
func dynamodbEngine() *engine {
	return &engine{
		name:     "dynamodb",
		local:    func(c Config) bool { return loopback(c.AWS.DynamoDBEndpoint) },
		problems: requiredFor("dynamodb"), // the settings table's Required rows
		open:     func(ctx context.Context, c Config) (todo.Store, error) { return dynamodb.Open(ctx, c.DynamoDB()) },
	}
}

// DynamoDB is the dynamodb engine's configuration.
func (c Config) DynamoDB() dynamodb.Config {
	return dynamodb.Config{Region: c.AWS.Region, Endpoint: c.AWS.DynamoDBEndpoint,
		UsersTable: c.Tables.Users, TodosTable: c.Tables.Todos, KeysTable: c.Tables.Keys, SessionsTable: c.Tables.Sessions,
		AccessKeyID: c.AWS.AccessKeyID, SecretAccessKey: c.AWS.SecretAccessKey, SessionToken: c.AWS.SessionToken,
		CallTimeout: c.Tables.CallTimeout, AttemptTimeout: c.Tables.AttemptTimeout}
}

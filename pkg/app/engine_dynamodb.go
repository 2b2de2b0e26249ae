//go:build !no_dynamodb

package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// This file builds the DynamoDB engine in; `-tags no_dynamodb` leaves it
// (and the AWS SDK) out of binaries meant for Function Compute.

func (c Config) dynamoDB() dynamodb.Config {
	return dynamodb.Config{Region: c.AWSRegion, Endpoint: c.DynamoDBEndpoint,
		UsersTable: c.UsersTable, TodosTable: c.TodosTable, KeysTable: c.KeysTable,
		AccessKeyID: c.AWSAccessKeyID, SecretAccessKey: c.AWSSecretKey, SessionToken: c.AWSSessionToken}
}

func openDynamoDB(ctx context.Context, c Config) (todo.Store, error) {
	return dynamodb.Open(ctx, c.dynamoDB())
}

// CreateDynamoDBTables creates the configured tables if they are missing.
func CreateDynamoDBTables(ctx context.Context, c Config) error {
	return dynamodb.CreateTables(ctx, c.dynamoDB())
}

// isDynamoDBEvent reports whether payload is a DynamoDB stream event.
func isDynamoDBEvent(payload []byte) bool {
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		}
	}
	return json.Unmarshal(payload, &probe) == nil && len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:dynamodb"
}

// handleDynamoDBEvent hands each record to n and answers with the records
// whose mail failed (ReportBatchItemFailures), so Lambda retries only from
// there. A record that cannot be decoded is logged and skipped: retrying it
// cannot help, and it must not hold back the rest of the shard.
func (a *App) handleDynamoDBEvent(ctx context.Context, n *account.Notifier, payload []byte) ([]byte, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("app: mailer: decode DynamoDB event: %w", err)
	}
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	for i, rec := range ev.Records {
		change, err := dynamodb.UserChange(rec)
		if err != nil {
			a.Log.Error("mailer: skipping a record that does not decode", "index", i, "event_id", rec.EventID, "error", err)
			continue
		}
		if err := n.Handle(ctx, change); err != nil {
			a.Log.Error("mailer: mail not sent; Lambda will retry", "event_id", rec.EventID, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return json.Marshal(resp)
}

package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// tableWait bounds how long CreateTables waits for one table to become
// ACTIVE; new on-demand tables usually take seconds.
const tableWait = 5 * time.Minute

// CreateTables creates the tables of cfg that do not exist yet, all with
// on-demand billing, and waits until each is ACTIVE. It is idempotent: an
// existing table is left as it is (its key schema is not checked or
// changed). The users table gets a stream with NEW_AND_OLD_IMAGES, which
// UserChange decodes; the keys and sessions tables get time to live on
// "expires". The sessions table is made only when cfg names one.
func CreateTables(ctx context.Context, cfg Config) error {
	client, err := newClient(ctx, cfg)
	if err != nil {
		return err
	}
	tables := []*ddb.CreateTableInput{
		{
			TableName:            aws.String(cfg.UsersTable),
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("email"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("email"), KeyType: types.KeyTypeHash}},
			StreamSpecification: &types.StreamSpecification{
				StreamEnabled:  aws.Bool(true),
				StreamViewType: types.StreamViewTypeNewAndOldImages,
			},
		},
		perUser(cfg.TodosTable),
		{
			TableName:            aws.String(cfg.KeysTable),
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("key"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("key"), KeyType: types.KeyTypeHash}},
		},
	}
	ttl := []string{cfg.KeysTable}
	if cfg.SessionsTable != "" {
		tables = append(tables, perUser(cfg.SessionsTable))
		ttl = append(ttl, cfg.SessionsTable)
	}
	// Ask for all tables first, then wait: DynamoDB creates them in parallel.
	for _, in := range tables {
		in.BillingMode = types.BillingModePayPerRequest
		if err := createTable(ctx, client, in); err != nil {
			return err
		}
	}
	waiter := ddb.NewTableExistsWaiter(client, func(o *ddb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 5 * time.Second
	})
	for _, in := range tables {
		if err := waiter.Wait(ctx, &ddb.DescribeTableInput{TableName: in.TableName}, tableWait); err != nil {
			return fmt.Errorf("dynamodb: wait for table %s: %w", *in.TableName, err)
		}
	}
	for _, table := range ttl {
		if err := enableTTL(ctx, client, table, "expires"); err != nil {
			return err
		}
	}
	return nil
}

// perUser is a table of items owned by users: partition key "userId",
// sort key "id" (the todos and the sessions tables).
func perUser(name string) *ddb.CreateTableInput {
	return &ddb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("userId"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("userId"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("id"), KeyType: types.KeyTypeRange},
		},
	}
}

// createTable creates the table unless it exists.
func createTable(ctx context.Context, client *ddb.Client, in *ddb.CreateTableInput) error {
	_, err := client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: in.TableName})
	var missing *types.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &missing):
		return fmt.Errorf("dynamodb: describe table %s: %w", *in.TableName, err)
	}
	_, err = client.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) { // in use: created concurrently
		return fmt.Errorf("dynamodb: create table %s: %w", *in.TableName, err)
	}
	return nil
}

// enableTTL turns on time to live for attr unless it is on already.
//
// dynalite implements DescribeTimeToLive (always DISABLED) but not
// UpdateTimeToLive, which it answers with UnknownOperationException; that
// error is tolerated, so CreateTables works against dynalite. Expired
// records are treated as absent by every read anyway, so the TTL only saves
// storage.
func enableTTL(ctx context.Context, client *ddb.Client, table, attr string) error {
	out, err := client.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("dynamodb: describe time to live of %s: %w", table, err)
	}
	if d := out.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == attr &&
		(d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(attr),
			Enabled:       aws.Bool(true),
		},
	})
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException" {
		return nil // dynalite: no UpdateTimeToLive
	}
	if err != nil {
		return fmt.Errorf("dynamodb: enable time to live on %s: %w", table, err)
	}
	return nil
}

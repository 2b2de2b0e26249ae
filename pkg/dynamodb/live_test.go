package dynamodb_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// TestLiveAWS runs the conformance suite against real DynamoDB. It is
// opt-in, as it needs an AWS account and costs a little:
//
//	TODOFN_DYNAMODB_LIVE=1 TODOFN_DYNAMODB_REGION=eu-west-1 go test -run TestLiveAWS -timeout 30m ./pkg/dynamodb/
//
// The test's credentials come from the SDK's default chain (environment,
// shared config/profile, SSO, instance role) and are handed to the engine. The principal needs
// dynamodb:CreateTable, DescribeTable, DescribeTimeToLive, UpdateTimeToLive,
// DeleteTable and the item operations on tables named
// "todofn-test-<timestamp>-<n>-{users,todos,keys}". Each sub-test creates its
// own on-demand tables (allow a few minutes in all) and deletes them when it
// ends, whether it passed or not.
func TestLiveAWS(t *testing.T) {
	if os.Getenv("TODOFN_DYNAMODB_LIVE") != "1" {
		t.Skip("set TODOFN_DYNAMODB_LIVE=1 and TODOFN_DYNAMODB_REGION to run against real DynamoDB")
	}
	region := os.Getenv("TODOFN_DYNAMODB_REGION")
	if region == "" {
		t.Fatal("TODOFN_DYNAMODB_LIVE=1 needs TODOFN_DYNAMODB_REGION")
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	admin := ddb.NewFromConfig(awsCfg)
	creds, err := awsCfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	run := time.Now().UTC().Format("20060102-150405")
	n := 0
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store {
		n++
		p := fmt.Sprintf("todofn-test-%s-%d-", run, n)
		cfg := dynamodb.Config{Region: region, UsersTable: p + "users", TodosTable: p + "todos", KeysTable: p + "keys", SessionsTable: p + "sessions",
			AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken, Now: now}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			for _, name := range []string{cfg.UsersTable, cfg.TodosTable, cfg.KeysTable, cfg.SessionsTable} {
				if _, err := admin.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
					t.Errorf("delete table %s (delete it by hand): %v", name, err)
				}
			}
		})
		return MustOpen(t, cfg)
	})
}

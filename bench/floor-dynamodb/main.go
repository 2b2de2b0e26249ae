//go:build benchfloor

// Command floor-dynamodb is the AWS size floor of `make bench` (cmd/bench):
// a hello-world Lambda bootstrap (aws-lambda-go) that makes one DynamoDB
// call with the SDK built as pkg/dynamodb builds its client (static
// credentials from the environment, dynamodb.New, no config package).
// Built with the benchfloor tag only, so aws-lambda-go and the AWS SDK stay
// out of the module's ordinary builds and import rules (internal/archtest).
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

func main() {
	creds := credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))
	opts := ddb.Options{Region: os.Getenv("AWS_REGION"), Credentials: aws.NewCredentialsCache(creds)}
	if e := os.Getenv("DYNAMODB_ENDPOINT"); e != "" {
		opts.BaseEndpoint = aws.String(e)
	}
	client := ddb.New(opts)
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (response, error) {
		_, err := client.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(os.Getenv("TABLE")),
			Key: map[string]types.AttributeValue{keyAttr(): &types.AttributeValueMemberS{Value: "hello"}}})
		if err != nil {
			return response{StatusCode: 500, Body: err.Error()}, nil
		}
		return response{StatusCode: 200, Body: "hello"}, nil
	})
}

// keyAttr is the hash key of TABLE: $TABLE_KEY, "pk" by default (the sizes
// section builds the floor only; the cold-start section reads a table of
// the functions' own, whose key is named there).
func keyAttr() string {
	if k := os.Getenv("TABLE_KEY"); k != "" {
		return k
	}
	return "pk"
}

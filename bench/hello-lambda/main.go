//go:build benchfloor

// Command hello-lambda is the cold-start floor of `make bench` (cmd/bench):
// the smallest aws-lambda-go bootstrap, answering every invocation with a
// function-URL response. It links nothing of the project, so it is built
// only with the benchfloor tag (which keeps aws-lambda-go out of the
// module's ordinary builds and of its import rules, internal/archtest).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

type response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (response, error) {
		return response{StatusCode: 200, Body: "hello"}, nil
	})
}

//go:build no_lambda || no_dynamodb

package platform

import (
	"context"
	"errors"
	"net/http"
)

// errNoLambda is Run's answer on Lambda in a build without its runtime.
var errNoLambda = errors.New("platform: AWS_LAMBDA_RUNTIME_API is set, but this binary is built without the Lambda runtime (tag no_lambda or no_dynamodb): build it with the AWS flavour's tags")

func runLambdaHTTP(context.Context, http.Handler) error   { return errNoLambda }
func runLambdaEvents(context.Context, EventHandler) error { return errNoLambda }

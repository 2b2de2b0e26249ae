//go:build lambda.norpc && no_bolt

package platform

import (
	"context"
	"errors"
	"net/http"
)

// hasServe reports whether this build has the plain HTTP server: not the
// deployed AWS flavour (serve.go says why).
const hasServe = false

var errNoServe = errors.New("platform: neither AWS_LAMBDA_RUNTIME_API nor FC_RUNTIME_API is set, and this binary is the deployed AWS build " +
	"(tags lambda.norpc and no_bolt), which has no plain HTTP server: run it under the Lambda runtime (make run-lambda), or build it without no_bolt")

// serve refuses: this build has no plain HTTP server.
func serve(context.Context, string, http.Handler, runOptions) error { return errNoServe }

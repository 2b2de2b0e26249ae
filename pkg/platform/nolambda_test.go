//go:build no_lambda || no_dynamodb

package platform

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// TestRunRefusesLambdaWithoutItsRuntime: a build without aws-lambda-go
// (the FC flavour) answers a Lambda environment with an error, not a hang,
// and still serves plain HTTP (TestServe... in server_test.go).
func TestRunRefusesLambdaWithoutItsRuntime(t *testing.T) {
	t.Setenv(EnvLambdaRuntimeAPI, "127.0.0.1:1")
	env := envOf(map[string]string{EnvLambdaRuntimeAPI: "127.0.0.1:1"})
	if err := Run(context.Background(), env, http.NotFoundHandler()); !errors.Is(err, errNoLambda) {
		t.Errorf("Run = %v, want %v", err, errNoLambda)
	}
	if err := RunEvents(context.Background(), env, EventHandlerFunc(nil)); !errors.Is(err, errNoLambda) {
		t.Errorf("RunEvents = %v, want %v", err, errNoLambda)
	}
}

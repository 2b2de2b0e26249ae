//go:build no_fc || lambda.norpc

package platform

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// TestRunRefusesFCWithoutItsRuntime: a build without fc-runtime-go-sdk
// (the AWS flavour) answers a FC environment with an error, not a hang,
// and still serves plain HTTP (TestServe... in server_test.go).
func TestRunRefusesFCWithoutItsRuntime(t *testing.T) {
	t.Setenv(EnvFCRuntimeAPI, "127.0.0.1:1")
	env := envOf(map[string]string{EnvFCRuntimeAPI: "127.0.0.1:1"})
	if err := Run(context.Background(), env, http.NotFoundHandler()); !errors.Is(err, errNoFC) {
		t.Errorf("Run = %v, want %v", err, errNoFC)
	}
	if err := RunEvents(context.Background(), env, EventHandlerFunc(nil)); !errors.Is(err, errNoFC) {
		t.Errorf("RunEvents = %v, want %v", err, errNoFC)
	}
}

//go:build !no_lambda && !no_dynamodb

// The function-URL events are Lambda's: the FC flavour (no_dynamodb)
// builds without aws-lambda-go (pkg/platform), so without these tests.

package deploy

import (
	"context"
	"slices"
	"testing"

	"github.com/todofn/todofn/deploy/smoke"
	"github.com/todofn/todofn/pkg/platform"
	"github.com/todofn/todofn/pkg/route"
)

// TestSmokeCasesPassOnTheRealHandlers replays deploy/smoke's exchanges
// against each function's real handler on the embedded store, as the
// pre-traffic hook replays them against a new version: a healthy build has
// no diff, and every HTTP function of the table has a case.
func TestSmokeCasesPassOnTheRealHandlers(t *testing.T) {
	cases, err := smoke.Cases()
	if err != nil {
		t.Fatal(err)
	}
	a := openApp(t)
	invoke := func(ctx context.Context, fn string, ev []byte) ([]byte, error) {
		return platform.ServeFunctionURL(ctx, handler(t, a, fn), ev)
	}
	for _, d := range smoke.Run(context.Background(), cases, "d-TEST12345", invoke) {
		t.Errorf("diff: %s", d)
	}
	var covered []string
	for _, c := range cases {
		covered = append(covered, c.Function)
	}
	for _, f := range route.HTTPFunctions() {
		if !slices.Contains(covered, f.Name) {
			t.Errorf("no smoke case for %s", f.Name)
		}
	}
	// A broken build is caught: the same cases against the wrong handlers.
	wrong := func(ctx context.Context, fn string, ev []byte) ([]byte, error) {
		return platform.ServeFunctionURL(ctx, handler(t, a, "todos-list"), ev)
	}
	if d := smoke.Run(context.Background(), cases, "d-TEST12346", wrong); len(d) == 0 {
		t.Error("the smoke check finds no diff when every function answers as todos-list")
	}
}

// Command hook is CodeDeploy's pre-traffic hook for the AWS release
// (template.yml: CodeDeployHookPreTraffic; docs/release.md). It is a
// deploy-time function, not a route: `make build-CodeDeployHookPreTraffic`
// builds it for `sam build`, and the route table does not list it.
//
// CodeDeploy invokes it once per function's deployment, before any traffic
// moves, with {"DeploymentId","LifecycleEventHookExecutionId"}. It replays
// deploy/smoke's exchanges against the new version of every HTTP function
// (SMOKE_TARGETS: version ARNs; SMOKE_PREFIX: the functions' name prefix,
// todofn-<stage>-) and reports Succeeded when no answer differs, else
// Failed, which fails the deployment and so the whole stack update.
//
// It is the second owner of aws-sdk-go-v2 (internal/archtest), for the
// SigV4 signer only.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/todofn/todofn/deploy/smoke"
	"github.com/todofn/todofn/pkg/platform"
)

func main() {
	c, err := newClient(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h := &hook{targets: targets(os.Getenv("SMOKE_TARGETS"), os.Getenv("SMOKE_PREFIX")), invoke: c.invoke, report: c.report,
		log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	platform.StartEvents(platform.EventHandlerFunc(h.handle))
}

// hook is one pre-traffic check: the new version of each function, and the
// two calls out.
type hook struct {
	targets map[string]string // function name (register) -> its new version's ARN
	invoke  func(ctx context.Context, arn string, payload []byte) ([]byte, error)
	report  func(ctx context.Context, deploymentID, executionID, status string) error
	log     *slog.Logger
}

// targets reads SMOKE_TARGETS (arn:aws:lambda:<region>:<account>:function:<prefix><name>:<version>,...).
func targets(list, prefix string) map[string]string {
	out := map[string]string{}
	for _, arn := range strings.Split(list, ",") {
		parts := strings.Split(strings.TrimSpace(arn), ":")
		if len(parts) == 8 && strings.HasPrefix(parts[6], prefix) {
			out[strings.TrimPrefix(parts[6], prefix)] = strings.TrimSpace(arn)
		}
	}
	return out
}

// handle runs the check and reports it. It returns an error only when the
// report itself fails (CodeDeploy then fails the hook at its timeout).
func (h *hook) handle(ctx context.Context, payload []byte) ([]byte, error) {
	var ev struct {
		DeploymentID string `json:"DeploymentId"`
		ExecutionID  string `json:"LifecycleEventHookExecutionId"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil || ev.DeploymentID == "" || ev.ExecutionID == "" {
		return nil, fmt.Errorf("hook: not a CodeDeploy lifecycle event: %.200s", payload)
	}
	status, diffs := "Succeeded", h.check(ctx, ev.DeploymentID)
	for _, d := range diffs {
		h.log.Error("smoke diff", "deployment", ev.DeploymentID, "diff", d)
	}
	if len(diffs) > 0 {
		status = "Failed"
	}
	h.log.Info("pre-traffic check", "deployment", ev.DeploymentID, "status", status, "diffs", len(diffs))
	if err := h.report(ctx, ev.DeploymentID, ev.ExecutionID, status); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"status": status, "diffs": len(diffs)})
}

// check replays the smoke cases against the new versions; a function with
// a case but no target is a diff too (the template and the cases disagree).
func (h *hook) check(ctx context.Context, deploymentID string) []string {
	cases, err := smoke.Cases()
	if err != nil {
		return []string{err.Error()}
	}
	invoke := func(ctx context.Context, fn string, ev []byte) ([]byte, error) {
		arn, ok := h.targets[fn]
		if !ok {
			return nil, fmt.Errorf("no new version of %s in SMOKE_TARGETS", fn)
		}
		return h.invoke(ctx, arn, ev)
	}
	var out []string
	for _, d := range smoke.Run(ctx, cases, strings.ReplaceAll(deploymentID, "-", ""), invoke) {
		out = append(out, d.String())
	}
	return out
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// client calls the two AWS APIs the hook needs, Lambda Invoke and
// CodeDeploy PutLifecycleEventHookExecutionStatus, over HTTPS signed with
// SigV4 (aws-sdk-go-v2's signer; the service clients are not in go.mod and
// two calls do not need them). Credentials are the function role's, which
// Lambda puts in the environment.
type client struct {
	region   string
	creds    aws.Credentials
	http     *http.Client
	endpoint func(service string) string // https://<service>.<region>.amazonaws.com; tests point it elsewhere
	now      func() time.Time
}

func newClient(env func(string) string) (*client, error) {
	c := &client{
		region: env("AWS_REGION"),
		creds: aws.Credentials{AccessKeyID: env("AWS_ACCESS_KEY_ID"), SecretAccessKey: env("AWS_SECRET_ACCESS_KEY"),
			SessionToken: env("AWS_SESSION_TOKEN")},
		http: &http.Client{Timeout: 30 * time.Second},
		now:  time.Now,
	}
	if c.region == "" || c.creds.AccessKeyID == "" || c.creds.SecretAccessKey == "" {
		return nil, fmt.Errorf("hook: AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)")
	}
	c.endpoint = func(service string) string { return "https://" + service + "." + c.region + ".amazonaws.com" }
	return c, nil
}

// do signs and sends one request and returns the answer's body; a status
// other than 200 is an error with the body's start.
func (c *client) do(ctx context.Context, service, path string, header http.Header, body []byte) (http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(service)+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), service, c.region, c.now()); err != nil {
		return nil, nil, fmt.Errorf("hook: sign %s: %w", service, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("hook: %s: %w", service, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 6<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("hook: %s: read the answer: %w", service, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("hook: %s answered %d: %.300s", service, resp.StatusCode, out)
	}
	return resp.Header, out, nil
}

// invoke runs the function (a version ARN) with payload, synchronously,
// and returns its result. A function error (X-Amz-Function-Error) is an
// error.
func (c *client) invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	h, out, err := c.do(ctx, "lambda", "/2015-03-31/functions/"+url.PathEscape(function)+"/invocations",
		http.Header{"Content-Type": {"application/json"}, "X-Amz-Invocation-Type": {"RequestResponse"}}, payload)
	if err != nil {
		return nil, err
	}
	if fe := h.Get("X-Amz-Function-Error"); fe != "" {
		return nil, fmt.Errorf("hook: %s failed (%s): %.300s", function, fe, out)
	}
	return out, nil
}

// report tells CodeDeploy the hook's verdict: "Succeeded" or "Failed".
func (c *client) report(ctx context.Context, deploymentID, executionID, status string) error {
	body, _ := json.Marshal(map[string]string{
		"deploymentId": deploymentID, "lifecycleEventHookExecutionId": executionID, "status": status,
	})
	_, _, err := c.do(ctx, "codedeploy", "/", http.Header{
		"Content-Type": {"application/x-amz-json-1.1"},
		"X-Amz-Target": {"CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus"},
	}, body)
	return err
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/todofn/todofn/internal/fcruntimetest"
	"github.com/todofn/todofn/internal/lambdaurltest"
)

// invoker runs one invocation of a function with an event payload and
// returns the function's result. A function that fails (reports an error,
// times out, crashes) makes Invoke return an error.
type invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// codec is a platform's HTTP-trigger shape: how a request becomes an event
// and how the function's result becomes the HTTP response.
type codec struct {
	event func(r *http.Request, requestID string) ([]byte, error)
	write func(result []byte, w http.ResponseWriter) error
}

var (
	// lambdaCodec speaks Lambda function-URL events (payload format 2.0).
	lambdaCodec = codec{event: lambdaurltest.FunctionURLEvent, write: lambdaurltest.WriteFunctionURLResponse}
	// fcCodec speaks FC3 HTTP-trigger events.
	fcCodec = codec{event: fcruntimetest.HTTPEvent, write: fcruntimetest.HTTPResponse}
)

// functionTimeout is every function's timeout: the emulator's
// AWS_LAMBDA_FUNCTION_TIMEOUT and the FC runtime double's. The front waits
// a little longer than this for an answer.
const functionTimeout = 60 * time.Second

// rie invokes a function running under the AWS Lambda runtime interface
// emulator. The emulator fails on concurrent invocations, so rie holds one
// at a time: an invocation, once sent, holds it until the emulator answers
// even if the caller has gone.
type rie struct {
	url    string        // the emulator's invoke URL
	slot   chan struct{} // a token while an invocation is in flight
	client *http.Client
}

func newRIE(addr string) *rie {
	return &rie{
		url:    "http://" + addr + "/2015-03-31/functions/function/invocations",
		slot:   make(chan struct{}, 1),
		client: &http.Client{Timeout: functionTimeout + 10*time.Second},
	}
}

// Invoke implements invoker. A non-200 answer, the emulator's timeout text
// or a Lambda error object ({"errorMessage","errorType"}) is an error.
func (f *rie) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	select {
	case f.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-f.slot }()
	resp, err := f.client.Post(f.url, "application/json", bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("invoke through the emulator: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read the emulator's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the emulator answered %d: %s", resp.StatusCode, truncate(body))
	}
	if bytes.HasPrefix(body, []byte("Task timed out")) {
		return nil, errors.New(string(truncate(body)))
	}
	var fnErr struct {
		Message *string `json:"errorMessage"`
		Type    string  `json:"errorType"`
	}
	if json.Unmarshal(body, &fnErr) == nil && fnErr.Message != nil {
		return nil, fmt.Errorf("function error: %s: %s", fnErr.Type, *fnErr.Message)
	}
	return body, nil
}

func truncate(b []byte) []byte {
	if len(b) > 300 {
		return append(b[:300:300], "..."...)
	}
	return b
}

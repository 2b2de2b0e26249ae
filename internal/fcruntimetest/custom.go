package fcruntimetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The FC custom runtime has no runtime API: FC starts the function's own
// HTTP server, on 0.0.0.0:$FC_CUSTOM_LISTEN_PORT, and posts each event
// invocation to it as POST /invoke, the event as the body, with FC's common
// request headers ("Event handlers" of a custom runtime,
// https://www.alibabacloud.com/help/en/function-compute/latest/custom-runtime-event-functions;
// the headers as the fc3 component's `s local invoke` sends them, devsapp/fc3
// src/subCommands/local/impl/invoke/baseLocalInvoke.ts). The server reports
// the outcome in its answer's x-fc-status header, 200 for success and 404
// for failure; without the header FC counts the invocation a success.
// InvokeCustom plays FC's side of that exchange.

// Header names of the custom runtime's event protocol.
const (
	HeaderStatus          = "X-Fc-Status"
	HeaderRequestID       = "X-Fc-Request-Id"
	HeaderFunctionTimeout = "X-Fc-Function-Timeout"
	HeaderControlPath     = "X-Fc-Control-Path"
)

// CustomResult is the answer of a custom runtime's server to one event
// invocation, as FC reads it.
type CustomResult struct {
	StatusCode int    // the HTTP status
	FCStatus   string // the x-fc-status header, "" when absent
	Body       []byte
}

// Failed reports whether FC counts the invocation failed: x-fc-status is
// there and is not 200. A bare 500 is a success to FC.
func (r CustomResult) Failed() bool {
	return r.FCStatus != "" && r.FCStatus != strconv.Itoa(http.StatusOK)
}

// InvokeCustom posts payload to the custom runtime server at baseURL
// (http://host:port) as FC posts an event invocation: POST /invoke,
// Content-Type application/octet-stream, x-fc-request-id requestID,
// x-fc-control-path /invoke, x-fc-function-timeout in whole seconds (none
// when timeout is 0) and the function's other common headers. It gives up
// after the timeout, as FC would, when the server has not answered.
func InvokeCustom(ctx context.Context, baseURL, requestID string, timeout time.Duration, payload []byte) (CustomResult, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/invoke", bytes.NewReader(payload))
	if err != nil {
		return CustomResult{}, fmt.Errorf("fcruntime: %w", err)
	}
	h := req.Header
	h.Set("Content-Type", "application/octet-stream")
	h.Set(HeaderRequestID, requestID)
	h.Set(HeaderControlPath, "/invoke")
	if timeout > 0 {
		h.Set(HeaderFunctionTimeout, strconv.Itoa(int((timeout+time.Second-1)/time.Second)))
	}
	h.Set("X-Fc-Function-Name", "function")
	h.Set("X-Fc-Function-Handler", "index.handler")
	h.Set("X-Fc-Function-Memory", "128")
	h.Set("X-Fc-Region", "cn-hangzhou")
	h.Set("X-Fc-Account-Id", "1234567890")
	h.Set("X-Fc-Qualifier", "LATEST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return CustomResult{}, fmt.Errorf("fcruntime: invoke custom runtime: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return CustomResult{}, fmt.Errorf("fcruntime: read custom runtime answer: %w", err)
	}
	return CustomResult{StatusCode: resp.StatusCode, FCStatus: resp.Header.Get(HeaderStatus), Body: body}, nil
}

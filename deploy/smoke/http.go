package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// HTTP returns an Invoker that sends each case's function-URL event as a
// real request to the function's deployed URL (urls: function name -> base
// URL, as web/config.json holds them) and answers with the response in the
// function-URL response shape Run reads, so the same cases check a deployed
// stage over HTTPS (make e2e-remote). The event's X-Forwarded-For is not
// sent: a deployed function takes the caller's address from the platform.
func HTTP(client *http.Client, urls map[string]string) Invoker {
	return func(ctx context.Context, function string, event []byte) ([]byte, error) {
		base, ok := urls[function]
		if !ok || base == "" {
			return nil, fmt.Errorf("smoke: no URL for %s", function)
		}
		var ev struct {
			RawPath        string            `json:"rawPath"`
			Headers        map[string]string `json:"headers"`
			Body           string            `json:"body"`
			RequestContext struct {
				HTTP struct {
					Method string `json:"method"`
				} `json:"http"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(event, &ev); err != nil {
			return nil, fmt.Errorf("smoke: not a function URL event: %w", err)
		}
		var body io.Reader
		if ev.Body != "" {
			body = bytes.NewReader([]byte(ev.Body))
		}
		req, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, strings.TrimSuffix(base, "/")+ev.RawPath, body)
		if err != nil {
			return nil, fmt.Errorf("smoke: %s: %w", function, err)
		}
		for k, v := range ev.Headers {
			if !strings.EqualFold(k, "x-forwarded-for") {
				req.Header.Set(k, v)
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("smoke: %s: %w", function, err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("smoke: %s: read the answer: %w", function, err)
		}
		return json.Marshal(map[string]any{"statusCode": resp.StatusCode, "body": string(data)})
	}
}

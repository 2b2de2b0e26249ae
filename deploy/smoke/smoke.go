// Package smoke is the release's smoke check: a few exchanges per HTTP
// function (smoke.json) whose answers need no account and change nothing a
// user has, sent as function-URL events to a new version before it gets
// any traffic; a status or error code other than the recorded one is a
// diff, and a diff fails the release. CodeDeploy's pre-traffic hook
// (deploy/hook) runs it on AWS; deploy's tests run it against the real
// handlers, so the file cannot drift from the code.
//
// The only writes are register's (a pending account for
// success+<id>@simulator.amazonses.com, SES's mailbox simulator, so its
// code mail lands nowhere and costs no sender reputation) and login's
// failure counter for that address.
package smoke

import (
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strings"
)

//go:embed smoke.json
var smokeJSON []byte

// Case is one recorded exchange: the request to a function and the status
// (and error code, if any) it answered.
type Case struct {
	Function string          `json:"function"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Body     json.RawMessage `json:"body,omitempty"`
	Status   int             `json:"status"`
	Error    string          `json:"error,omitempty"`
}

// Cases returns the smoke exchanges of smoke.json.
func Cases() ([]Case, error) {
	var cs []Case
	if err := json.Unmarshal(smokeJSON, &cs); err != nil {
		return nil, fmt.Errorf("smoke: smoke.json: %w", err)
	}
	return cs, nil
}

// Invoker sends one function-URL event to a function's new version and
// returns the function's result (the function-URL response JSON).
type Invoker func(ctx context.Context, function string, event []byte) ([]byte, error)

// Event is c's request as a Lambda function URL event (payload 2.0), with
// every "{id}" in the body replaced by id and the source IP derived from id
// (in 198.18.0.0/15, the benchmarking range), so each run has its own
// per-address and per-IP budgets.
func Event(c Case, id string) ([]byte, error) {
	body := strings.ReplaceAll(string(c.Body), "{id}", id)
	ip := sourceIP(id)
	headers := map[string]string{"content-type": "application/json", "user-agent": "todofn-smoke", "x-forwarded-for": ip}
	if len(c.Body) == 0 {
		headers = map[string]string{"user-agent": "todofn-smoke", "x-forwarded-for": ip}
	}
	return json.Marshal(map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": c.Path, "rawQueryString": "",
		"headers": headers, "body": body, "isBase64Encoded": false,
		"requestContext": map[string]any{
			"accountId": "anonymous", "domainName": "smoke.lambda-url.local", "requestId": "smoke-" + id,
			"routeKey": "$default", "stage": "$default",
			"http": map[string]any{"method": c.Method, "path": c.Path, "protocol": "HTTP/1.1", "sourceIp": ip, "userAgent": "todofn-smoke"},
		},
	})
}

func sourceIP(id string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	var ip [4]byte
	binary.BigEndian.PutUint32(ip[:], 0xc6120000|h.Sum32()&0x1ffff) // 198.18.0.0/15: 17 bits of the hash
	return netip.AddrFrom4(ip).String()
}

// Diff is one exchange whose answer differs from the recorded one.
type Diff struct {
	Case Case
	Got  string // what came back: "401 unauthorized", or the invoke's error
}

func (d Diff) String() string {
	want := fmt.Sprint(d.Case.Status)
	if d.Case.Error != "" {
		want += " " + d.Case.Error
	}
	return fmt.Sprintf("%s %s %s: want %s, got %s", d.Case.Function, d.Case.Method, d.Case.Path, want, d.Got)
}

// Run sends every case to its function through invoke, with id as the
// run's unique id, and returns the diffs (none: the check passed).
func Run(ctx context.Context, cases []Case, id string, invoke Invoker) []Diff {
	var diffs []Diff
	for _, c := range cases {
		if got, ok := check(ctx, c, id, invoke); !ok {
			diffs = append(diffs, Diff{Case: c, Got: got})
		}
	}
	return diffs
}

func check(ctx context.Context, c Case, id string, invoke Invoker) (string, bool) {
	ev, err := Event(c, id)
	if err != nil {
		return err.Error(), false
	}
	out, err := invoke(ctx, c.Function, ev)
	if err != nil {
		return err.Error(), false
	}
	var resp struct {
		StatusCode      int    `json:"statusCode"`
		Body            string `json:"body"`
		IsBase64Encoded bool   `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
		return fmt.Sprintf("not a function URL response: %.200s", out), false
	}
	var envelope struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &envelope) // a body that is no error envelope has no code
	got := fmt.Sprint(resp.StatusCode)
	if envelope.Error.Code != "" {
		got += " " + envelope.Error.Code
	}
	return got, resp.StatusCode == c.Status && envelope.Error.Code == c.Error
}

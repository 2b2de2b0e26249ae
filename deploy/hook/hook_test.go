package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/deploy/smoke"
)

const prefix = "todofn-test-"

func arn(fn string) string {
	return "arn:aws:lambda:eu-west-1:123456789012:function:" + prefix + fn + ":7"
}

// recorded answers every case as smoke.json recorded it, except for the
// function named broken, which answers 500.
func recorded(t *testing.T, broken string) func(context.Context, string, []byte) ([]byte, error) {
	cases, err := smoke.Cases()
	if err != nil {
		t.Fatal(err)
	}
	return func(_ context.Context, a string, ev []byte) ([]byte, error) {
		var e struct {
			RawPath        string `json:"rawPath"`
			RequestContext struct {
				HTTP struct{ Method string } `json:"http"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(ev, &e); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if arn(c.Function) != a || c.Path != e.RawPath || c.Method != e.RequestContext.HTTP.Method {
				continue
			}
			status, body := c.Status, `{"error":{"code":"`+c.Error+`"}}`
			if c.Function == broken {
				status, body = 500, `{"error":{"code":"internal"}}`
			}
			return json.Marshal(map[string]any{"statusCode": status, "body": body})
		}
		t.Fatalf("unexpected invoke of %s with %s", a, ev)
		return nil, nil
	}
}

func TestHookReports(t *testing.T) {
	var list []string
	cases, _ := smoke.Cases()
	for _, c := range cases {
		list = append(list, arn(c.Function))
	}
	for _, tt := range []struct{ broken, want string }{{"", "Succeeded"}, {"todos-list", "Failed"}} {
		var got []string
		h := &hook{targets: targets(strings.Join(list, ","), prefix), invoke: recorded(t, tt.broken),
			report: func(_ context.Context, d, e, status string) error {
				got = append(got, d+" "+e+" "+status)
				return nil
			}, log: slog.New(slog.DiscardHandler)}
		if _, err := h.handle(context.Background(), []byte(`{"DeploymentId":"d-ABC123","LifecycleEventHookExecutionId":"exec-1"}`)); err != nil {
			t.Fatal(err)
		}
		if want := "d-ABC123 exec-1 " + tt.want; len(got) != 1 || got[0] != want {
			t.Errorf("broken %q: reports %v, want [%s]", tt.broken, got, want)
		}
	}
	h := &hook{targets: map[string]string{}, log: slog.New(slog.DiscardHandler),
		report: func(_ context.Context, _, _, status string) error {
			if status != "Failed" {
				t.Errorf("no targets: reported %s, want Failed", status)
			}
			return nil
		}}
	if _, err := h.handle(context.Background(), []byte(`{"DeploymentId":"d-1","LifecycleEventHookExecutionId":"e"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.handle(context.Background(), []byte(`{}`)); err == nil {
		t.Error("an event without ids is accepted")
	}
}

// TestClientSignsItsCalls checks the two calls against a stand-in for both
// endpoints: path, target header, SigV4 authorization with the session
// token, and a function error turned into an error.
func TestClientSignsItsCalls(t *testing.T) {
	var seen []*http.Request
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen, bodies = append(seen, r), append(bodies, string(b))
		if strings.Contains(r.URL.EscapedPath(), "broken") {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
		}
		_, _ = w.Write([]byte(`{"statusCode":200}`))
	}))
	defer srv.Close()
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"}
	c, err := newClient(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c.endpoint = func(string) string { return srv.URL }
	c.now = func() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) }
	ctx := context.Background()
	if out, err := c.invoke(ctx, arn("register"), []byte(`{}`)); err != nil || string(out) != `{"statusCode":200}` {
		t.Fatalf("invoke: %s, %v", out, err)
	}
	if _, err := c.invoke(ctx, arn("broken"), []byte(`{}`)); err == nil {
		t.Error("a function error is not an error")
	}
	if err := c.report(ctx, "d-1", "e-1", "Succeeded"); err != nil {
		t.Fatal(err)
	}
	inv, rep := seen[0], seen[2]
	if p := inv.URL.EscapedPath(); p != "/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:todofn-test-register:7/invocations" {
		t.Errorf("invoke path = %s", p)
	}
	for r, service := range map[*http.Request]string{inv: "lambda", rep: "codedeploy"} {
		if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261127/eu-west-1/"+service+"/aws4_request") {
			t.Errorf("%s: Authorization = %q", service, a)
		}
		if r.Header.Get("X-Amz-Security-Token") != "token" {
			t.Errorf("%s: no session token", service)
		}
	}
	if rep.Header.Get("X-Amz-Target") != "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus" ||
		bodies[2] != `{"deploymentId":"d-1","lifecycleEventHookExecutionId":"e-1","status":"Succeeded"}` {
		t.Errorf("report: target %q, body %s", rep.Header.Get("X-Amz-Target"), bodies[2])
	}
	if _, err := newClient(func(string) string { return "" }); err == nil {
		t.Error("a client without credentials")
	}
}

package deploy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/todofn/todofn/deploy/smoke"
	"github.com/todofn/todofn/pkg/route"
)

// TestSmokeOverHTTP runs make e2e-remote's check (smoke.HTTP, which
// cmd/smoke points at a deployed stage's URLs) against one real HTTP
// server per function: a healthy stage has no diff, a stage whose URLs
// all lead to todos-list has some, and a function without a URL is a diff.
func TestSmokeOverHTTP(t *testing.T) {
	cases, err := smoke.Cases()
	if err != nil {
		t.Fatal(err)
	}
	a := openApp(t)
	urls, wrong := map[string]string{}, map[string]string{}
	list := httptest.NewServer(handler(t, a, "todos-list"))
	t.Cleanup(list.Close)
	for _, f := range route.HTTPFunctions() {
		s := httptest.NewServer(handler(t, a, f.Name))
		t.Cleanup(s.Close)
		urls[f.Name], wrong[f.Name] = s.URL, list.URL
	}
	if d := smoke.Run(context.Background(), cases, "rtest1", smoke.HTTP(http.DefaultClient, urls)); len(d) != 0 {
		t.Errorf("a healthy stage has diffs: %v", d)
	}
	if d := smoke.Run(context.Background(), cases, "rtest2", smoke.HTTP(http.DefaultClient, wrong)); len(d) == 0 {
		t.Error("no diff when every URL answers as todos-list")
	}
	delete(urls, "login")
	d := smoke.Run(context.Background(), cases, "rtest3", smoke.HTTP(http.DefaultClient, urls))
	if len(d) == 0 || d[0].Case.Function != "login" {
		t.Errorf("a stage without login's URL: diffs %v, want login's", d)
	}
	// make e2e-remote is the config from the stage, then this check.
	out := makeDryRun(t, "e2e-remote", "CLOUD=aws", "STACK_NAME=todofn-test")
	for _, want := range []string{"sam list stack-outputs --stack-name todofn-test", "go run ./cmd/smoke -config web/config.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("make e2e-remote runs\n%s\nwithout %q", out, want)
		}
	}
}

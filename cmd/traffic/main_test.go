package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	req1 = `{"time":"2026-01-02T10:00:00.1Z","level":"INFO","msg":"traffic","kind":"request","exchange":"a1","session":"s-1","method":"POST","path":"/register","query":"","header":{"Content-Type":"application/json"},"body":{"email":"u1@example.com","password":"pw1234567890ab"}}`
	ans1 = `{"time":"2026-01-02T10:00:00.2Z","level":"INFO","msg":"traffic","kind":"answer","exchange":"a1","session":"s-1","status":202,"header":{"Content-Type":"application/json"},"body":{"status":"pending_verification"},"ms":80}`
	req2 = `{"time":"2026-01-02T10:00:01Z","level":"INFO","msg":"traffic","kind":"request","exchange":"b2","session":"s-1","method":"GET","path":"/todos","query":"limit=1","header":{"Authorization":"Bearer tok-1"}}`
	ans2 = `{"time":"2026-01-02T10:00:01.1Z","level":"INFO","msg":"traffic","kind":"answer","exchange":"b2","session":"s-1","status":200,"body":{"items":[],"nextCursor":null},"ms":3}`
	req3 = `{"time":"2026-01-02T10:00:02Z","level":"INFO","msg":"traffic","kind":"request","exchange":"c3","session":"s-2","method":"POST","path":"/login","query":"","body":{"email":"u2@example.com"}}`
)

func export(t *testing.T, input, session string) ([]Entry, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "traffic.jsonl")
	var stderr bytes.Buffer
	if err := run(nil, out, session, strings.NewReader(input), &stderr); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	var entries []Entry
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	return entries, stderr.String()
}

// TestExportFromEachSource: the local server's stderr (other log lines
// around), aws logs tail's prefixed lines, filter-log-events' JSON and an
// SLS result all give the same traffic file, in request order, with an
// unanswered request left out.
func TestExportFromEachSource(t *testing.T) {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	sources := map[string]string{
		"local":      "listening on http://127.0.0.1:8080\n" + req2 + "\n" + ans2 + "\ntime=... level=INFO msg=request\n" + req1 + "\n" + ans1 + "\n" + req3 + "\n",
		"tail":       "2026-01-02T10:00:00 /aws/lambda/todofn-register " + req1 + "\n2026-01-02T10:00:00 x " + ans1 + "\nx " + req2 + "\nx " + ans2 + "\nx " + req3 + "\n",
		"cloudwatch": `{"events":[{"message":` + q(req1) + `},{"message":` + q(ans1) + `},{"message":` + q(req2+"\n") + `},{"message":` + q(ans2) + `},{"message":` + q(req3) + `}],"searchedLogStreams":[]}`,
		"sls":        `[{"__time__":"1","content":` + q(req1) + `},{"content":` + q(ans1) + `},` + req2 + `,{"message":` + q(ans2) + `},{"content":` + q(req3) + `}]`,
	}
	for name, input := range sources {
		t.Run(name, func(t *testing.T) {
			entries, summary := export(t, input, "")
			if len(entries) != 2 || !strings.Contains(summary, "2 exchanges in 1 sessions (1 requests without an answer") {
				t.Fatalf("%d entries, %q", len(entries), summary)
			}
			e1, e2 := entries[0], entries[1]
			if e1.Seq != 1 || e1.Request.Path != "/register" || e1.Answer.Status != 202 || e1.Ms != 80 ||
				!strings.Contains(string(e1.Request.Body), "pw1234567890ab") || e1.Request.Header["Content-Type"] != "application/json" {
				t.Errorf("first: %+v", e1)
			}
			if e2.Seq != 2 || e2.Request.Query != "limit=1" || e2.Request.Header["Authorization"] != "Bearer tok-1" ||
				string(e2.Answer.Body) != `{"items":[],"nextCursor":null}` {
				t.Errorf("second: %+v", e2)
			}
		})
	}
}

func TestExportOneSession(t *testing.T) {
	entries, _ := export(t, req1+"\n"+ans1+"\n"+strings.ReplaceAll(req2+"\n"+ans2, "s-1", "s-9")+"\n", "s-9")
	if len(entries) != 1 || entries[0].Session != "s-9" {
		t.Fatalf("%+v", entries)
	}
}

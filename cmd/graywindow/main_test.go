package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/gray"
)

func TestParse(t *testing.T) {
	o, err := parse([]string{"-window", "5s", "-interval", "1s", "-max-5xx-rate", "0.05"}, io.Discard)
	if err != nil || o.source != "local" || o.window != 5*time.Second || o.thresholds.Max5xxRate != 0.05 || o.thresholds.MinRequests != 50 {
		t.Errorf("parse = %+v, %v", o, err)
	}
	o, err = parse([]string{"-source", "fc", "-page-cmd", "p {resource} {offset} {size} {to}", "-require-every"}, io.Discard)
	if err != nil || o.pageCmd == "" || o.pageSize != 100 || !o.thresholds.RequireEvery {
		t.Errorf("parse fc = %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"-source", "k8s"}, {"-source", "fc"}, {"-window", "0s"}, {"extra"},
		{"-source", "fc", "-page-cmd", "p {resource}"}, {"-source", "fc", "-page-cmd", "p {resource} {offset}", "-page-size", "101"}} {
		if _, err := parse(bad, io.Discard); err == nil {
			t.Errorf("parse(%v) succeeds", bad)
		}
	}
}

// TestFCWindow builds the FC window from flags, as make fc-release does,
// with shell commands standing in for fcrelease.sh: the status names
// fn-verify's canary 7, the pages hold 3 candidate calls (1 a 5xx) among
// 150 production calls; the window rolls back at once.
func TestFCWindow(t *testing.T) {
	dir := t.TempDir()
	var logs []string
	line := func(version string, status int, id string) string {
		return fmt.Sprintf(`{"__time__":"1764583201","__topic__":"FCLogs:todofn-prod-verify","functionName":"todofn-prod-verify","versionId":%q,"message":%q}`,
			version, fmt.Sprintf(`{"msg":"request","function":"todofn-prod-verify","version":%q,"status":%d,"latency":3,"requestId":%q}`, version, status, id))
	}
	for i := range 150 {
		logs = append(logs, line("6", 200, fmt.Sprint("p", i)))
	}
	logs = append(logs, line("7", 200, "c1"), line("7", 502, "c2"), line("7", 200, "c3"))
	for off := 0; off <= len(logs); off += 100 {
		page := "[" + strings.Join(logs[off:min(off+100, len(logs))], ",") + "]"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("fn-verify-%d.json", off)), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o, err := parse([]string{"-source", "fc", "-window", "1m", "-interval", "10s",
		"-status-cmd", `printf 'fn-verify: live -> 6 {"7":0.1}\n'`,
		"-page-cmd", "cat " + dir + "/{resource}-{offset}.json",
		"-promote-cmd", "echo promote >> " + dir + "/moves", "-rollback-cmd", "echo rollback >> " + dir + "/moves"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	w, err := window(context.Background(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.After = func(time.Duration) <-chan time.Time { c := make(chan time.Time, 1); c <- time.Time{}; return c }
	v, err := w.Run(context.Background())
	moves, _ := os.ReadFile(filepath.Join(dir, "moves"))
	if err != nil || v.Decision != gray.Rollback || string(moves) != "rollback\n" || !strings.Contains(v.Reason, "1 of 3 candidate calls answered 5xx") {
		t.Errorf("window: %v %q, moves %q, err %v", v.Decision, v.Reason, moves, err)
	}
}

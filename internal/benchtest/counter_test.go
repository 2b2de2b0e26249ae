package benchtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCounterCountsByOperation sends DynamoDB-style (X-Amz-Target) and
// Tablestore-style (request path) calls through a Counter: each reaches
// the upstream, and Take returns them by operation, then starts anew.
func TestCounterCountsByOperation(t *testing.T) {
	var got []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-Amz-Target")+r.URL.Path)
		_, _ = w.Write([]byte("ok"))
	}))
	defer up.Close()
	c, err := NewCounter(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(path, target string) {
		t.Helper()
		req, _ := http.NewRequest("POST", c.URL+path, strings.NewReader("{}"))
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	send("/", "DynamoDB_20120810.GetItem")
	send("/", "DynamoDB_20120810.GetItem")
	send("/", "DynamoDB_20120810.TransactWriteItems")
	send("/PutRow", "")
	send("/CreateTable", "")
	calls := c.Take()
	if calls.String() != "CreateTable×1 GetItem×2 PutRow×1 TransactWriteItems×1" {
		t.Errorf("counted %s", calls)
	}
	if calls.Of(Read) != 2 || calls.Of(Write) != 2 || calls.Of(Other) != 1 {
		t.Errorf("reads %d, writes %d, other %d; want 2, 2, 1", calls.Of(Read), calls.Of(Write), calls.Of(Other))
	}
	if len(got) != 5 {
		t.Errorf("the upstream got %v", got)
	}
	if again := c.Take(); len(again) != 0 {
		t.Errorf("a second Take counted %s", again)
	}
	if !c.Quiet(time.Millisecond, time.Second) {
		t.Error("not quiet with no calls")
	}
}

// TestLimit checks that a target bounds reads, writes and the total, and
// that a negative bound is none.
func TestLimit(t *testing.T) {
	for _, tt := range []struct {
		name  string
		limit Limit
		calls Calls
		holds bool
	}{
		{"list within 1 call", listTarget, Calls{"Query": 1}, true},
		{"list with another read", listTarget, Calls{"GetItem": 1, "Query": 1}, false},
		{"list after the session check", listTarget, Calls{"session:GetItem": 1, "Query": 1}, true},
		{"write after the session check", writeTarget, Calls{"session:GetRow": 1, "GetRow": 1, "BatchWriteRow": 1}, true},
		{"clear: the page, the stamp, a transaction", clearTarget, Calls{"Query": 1, "GetItem": 1, "TransactWriteItems": 1}, true},
		{"clear: two writes", clearTarget, Calls{"Query": 1, "TransactWriteItems": 2}, false},
		{"list writes", listCountsTarget, Calls{"PutItem": 1}, false},
		{"write: a read and a transaction", writeTarget, Calls{"GetItem": 1, "TransactWriteItems": 1}, true},
		{"write: two writes", writeTarget, Calls{"PutRow": 1, "UpdateRow": 1}, false},
		{"write: two reads", writeTarget, Calls{"GetRow": 2}, false},
		{"no bound", Limit{-1, -1, -1}, Calls{"GetItem": 9, "PutItem": 9}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.limit.Holds(tt.calls); got != tt.holds {
				t.Errorf("%v holds %s: %v, want %v", tt.limit, tt.calls, got, tt.holds)
			}
		})
	}
}

// TestCounterTellsSessionChecks sends reads of the sessions table and of
// another table, in DynamoDB's JSON and Tablestore's protobuf: only the
// sessions table's reads count as session checks, and the upstream gets
// every body whole.
func TestCounterTellsSessionChecks(t *testing.T) {
	var bodies []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
	}))
	defer up.Close()
	c, err := NewCounter(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SessionTable = "sessions"
	// protobuf: field 1 (tag 0x0a), its length, the name, then field 2.
	pb := func(table string) string { return "\x0a" + string(rune(len(table))) + table + "\x12\x01x" }
	sent := []struct{ path, target, body string }{
		{"/", "DynamoDB_20120810.GetItem", `{"TableName":"sessions","Key":{}}`},
		{"/", "DynamoDB_20120810.GetItem", `{"TableName":"todos","Key":{}}`},
		{"/", "DynamoDB_20120810.PutItem", `{"TableName":"sessions","Item":{}}`},
		{"/GetRow", "", pb("sessions")},
		{"/GetRange", "", pb("todos")},
		{"/GetRow", "", "\x0a\x7f" + "short"}, // a length past the end: no table
	}
	for _, s := range sent {
		req, _ := http.NewRequest("POST", c.URL+s.path, strings.NewReader(s.body))
		if s.target != "" {
			req.Header.Set("X-Amz-Target", s.target)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	calls := c.Take()
	if want := "GetItem×1 GetRange×1 GetRow×1 PutItem×1 session:GetItem×1 session:GetRow×1"; calls.String() != want {
		t.Errorf("counted %s, want %s", calls, want)
	}
	if calls.Of(Session) != 2 || calls.Of(Read) != 3 || calls.Of(Write) != 1 {
		t.Errorf("session %d, reads %d, writes %d; want 2, 3, 1", calls.Of(Session), calls.Of(Read), calls.Of(Write))
	}
	for i, s := range sent {
		if i >= len(bodies) || bodies[i] != s.body {
			t.Errorf("call %d: the upstream got %q, want %q", i, bodies, s.body)
			break
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/dynamodb"
)

func records(seqs ...int) []dynamodb.StreamRecord {
	var out []dynamodb.StreamRecord
	for _, s := range seqs {
		out = append(out, dynamodb.StreamRecord{EventName: "INSERT", EventSource: "aws:dynamodb",
			Change: dynamodb.StreamChange{SequenceNumber: fmt.Sprintf("%021d", s)}})
	}
	return out
}

// fakeMailer records the sequence numbers of each DynamoDB event it gets and
// answers with the next scripted reply.
type fakeMailer struct {
	got     [][]string
	replies []func() ([]byte, error)
}

func (m *fakeMailer) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev dynamodb.StreamEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	var seqs []string
	for _, r := range ev.Records {
		seqs = append(seqs, strings.TrimLeft(r.Change.SequenceNumber, "0"))
	}
	m.got = append(m.got, seqs)
	reply := m.replies[0]
	m.replies = m.replies[1:]
	return reply()
}

func ok() ([]byte, error) { return []byte(`{"batchItemFailures":[]}`), nil }

func failing(seq int) func() ([]byte, error) {
	return func() ([]byte, error) {
		return fmt.Appendf(nil, `{"batchItemFailures":[{"itemIdentifier":"%021d"}]}`, seq), nil
	}
}

func TestDynamoPlayer(t *testing.T) {
	tests := []struct {
		name    string
		replies []func() ([]byte, error)
		want    string // the batches the mailer saw
		failed  []bool // step results
	}{
		{"all handled", []func() ([]byte, error){ok}, "[[1 2 3]]", []bool{false}},
		{"retried from the first failed record", []func() ([]byte, error){failing(2), ok}, "[[1 2 3] [2 3]]", []bool{true, false}},
		{"two failures: from the lower", []func() ([]byte, error){
			func() ([]byte, error) {
				return []byte(`{"batchItemFailures":[{"itemIdentifier":"000000000000000000003"},{"itemIdentifier":"000000000000000000002"}]}`), nil
			}, ok}, "[[1 2 3] [2 3]]", []bool{true, false}},
		{"unknown identifier: whole batch", []func() ([]byte, error){failing(9), ok}, "[[1 2 3] [1 2 3]]", []bool{true, false}},
		{"function error: whole batch", []func() ([]byte, error){func() ([]byte, error) { return nil, errors.New("boom") }, ok},
			"[[1 2 3] [1 2 3]]", []bool{true, false}},
		{"answer not JSON: whole batch", []func() ([]byte, error){func() ([]byte, error) { return []byte("?"), nil }, ok},
			"[[1 2 3] [1 2 3]]", []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &fakeMailer{replies: tt.replies}
			polled := false
			p := &dynamoPlayer{mailer: m, log: slog.New(slog.DiscardHandler), poll: func(context.Context) ([]dynamodb.StreamRecord, error) {
				if polled {
					return nil, nil
				}
				polled = true
				return records(1, 2, 3), nil
			}}
			for i, want := range tt.failed {
				if got := p.step(context.Background()); got != want {
					t.Fatalf("step %d failed = %v, want %v", i, got, want)
				}
			}
			if got := fmt.Sprint(m.got); got != tt.want || len(p.pending) != 0 {
				t.Fatalf("mailer saw %s, want %s; %d pending", got, tt.want, len(p.pending))
			}
		})
	}
}

func TestDynamoPlayerGivesUp(t *testing.T) {
	m := &fakeMailer{}
	for range maxAttempts {
		m.replies = append(m.replies, failing(1))
	}
	m.replies = append(m.replies, ok)
	next := [][]dynamodb.StreamRecord{records(1)}
	for range maxAttempts - 1 {
		next = append(next, nil)
	}
	next = append(next, records(2))
	p := &dynamoPlayer{mailer: m, log: slog.New(slog.DiscardHandler), poll: func(context.Context) ([]dynamodb.StreamRecord, error) {
		r := next[0]
		next = next[1:]
		return r, nil
	}}
	for i := range maxAttempts - 1 {
		if !p.step(context.Background()) {
			t.Fatalf("step %d did not fail", i)
		}
	}
	if p.step(context.Background()) || len(p.pending) != 0 {
		t.Fatalf("the last attempt kept %d records", len(p.pending))
	}
	if p.step(context.Background()) || fmt.Sprint(m.got[len(m.got)-1]) != "[2]" {
		t.Fatalf("after dropping, the mailer saw %v", m.got)
	}
}

func TestDynamoPlayerBatches(t *testing.T) {
	m := &fakeMailer{replies: []func() ([]byte, error){ok, ok, ok}}
	var seqs []int
	for i := 1; i <= 2*maxBatch+1; i++ {
		seqs = append(seqs, i)
	}
	recs := records(seqs...)
	p := &dynamoPlayer{mailer: m, log: slog.New(slog.DiscardHandler), poll: func(context.Context) ([]dynamodb.StreamRecord, error) {
		r := recs
		recs = nil
		return r, nil
	}}
	if p.step(context.Background()) || len(m.got) != 3 || len(m.got[0]) != maxBatch || len(m.got[2]) != 1 {
		t.Fatalf("batches of %d, %d, ...", len(m.got[0]), len(m.got[1]))
	}
}

func TestTablestorePlayer(t *testing.T) {
	all := []tablestoretest.Change{
		{Type: "PutRow", PrimaryKey: []tablestoretest.KeyColumn{{ColumnName: "email", Value: "a@example.com"}}},
		{Type: "PutRow", PrimaryKey: []tablestoretest.KeyColumn{{ColumnName: "email", Value: "b@example.com"}}},
	}
	var got []int
	fail := 1
	mailer := invokerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		var ev struct {
			Version string
			Records []tablestoretest.Change
		}
		if err := cbor.Unmarshal(payload, &ev); err != nil || ev.Version != "Sync-v1" {
			return nil, fmt.Errorf("payload %q: %v", payload, err)
		}
		got = append(got, len(ev.Records))
		if fail > 0 {
			fail--
			return nil, errors.New("smtp down")
		}
		return []byte(`{"handled":1}`), nil
	})
	p := &tablestorePlayer{mailer: mailer, log: slog.New(slog.DiscardHandler), changes: func(from int) []tablestoretest.Change {
		return all[min(from, len(all)):]
	}}
	if !p.step(context.Background()) || p.next != 0 {
		t.Fatalf("a failed delivery advanced to %d", p.next)
	}
	if p.step(context.Background()) || p.next != 2 {
		t.Fatalf("after a good delivery next = %d", p.next)
	}
	if p.step(context.Background()) || fmt.Sprint(got) != "[2 2]" {
		t.Fatalf("mailer saw batches %v", got)
	}
}

func TestLineWriter(t *testing.T) {
	var out bytes.Buffer
	c := &console{out: &out, width: 6}
	a, b := c.writer("a"), c.writer("mailer")
	fmt.Fprint(a, "one\ntw")
	fmt.Fprint(b, "x\r\n")
	fmt.Fprint(a, "o\nthree")
	a.Close()
	want := "a      | one\nmailer | x\na      | two\na      | three\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestParseOptions(t *testing.T) {
	env := map[string]string{"PORT": "9999", "LOCALCLOUD_MODE": "fc", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "2525"}
	o, err := parseOptions(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.mode != "fc" || o.port != "9999" || o.smtp != "127.0.0.1:2525" || o.bin != "build/localcloud/fc" || o.dynalitePort != 8000 {
		t.Fatalf("options %+v", o)
	}
	o, err = parseOptions([]string{"-mode", "lambda", "-bin", "b"}, func(k string) string { return env[k] })
	if err != nil || o.mode != "lambda" || o.bin != "b" {
		t.Fatalf("flags: %+v %v", o, err)
	}
	for _, args := range [][]string{{"-mode", "gcp"}, {"-port", "0"}, {"-dynalite-port", "70000"}, {"extra"}} {
		if _, err := parseOptions(args, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestRIEInvoke(t *testing.T) {
	var inFlight, most atomic.Int32
	answers := map[string]struct {
		status int
		body   string
	}{
		"ok":      {200, `{"statusCode":200}`},
		"error":   {200, `{"errorMessage":"boom","errorType":"Error"}`},
		"timeout": {200, "Task timed out after 60.00 seconds"},
		"502":     {502, `{"errorType":"Runtime.ExitError"}`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		var in string
		_ = json.NewDecoder(r.Body).Decode(&in)
		a := answers[in]
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}))
	defer srv.Close()
	f := newRIE(strings.TrimPrefix(srv.URL, "http://"))
	for in, wantErr := range map[string]bool{"ok": false, "error": true, "timeout": true, "502": true} {
		out, err := f.Invoke(context.Background(), []byte(`"`+in+`"`))
		if (err != nil) != wantErr || (!wantErr && string(out) != answers[in].body) {
			t.Errorf("%s: %s %v", in, out, err)
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = f.Invoke(context.Background(), []byte(`"ok"`)) })
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d invocations at once", most.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.slot <- struct{}{}
	if _, err := f.Invoke(ctx, []byte(`"ok"`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled caller waiting for the slot: %v", err)
	}
}

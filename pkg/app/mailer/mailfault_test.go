package mailer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/internal/mailpittest"
	"github.com/todofn/todofn/internal/toxiproxytest"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/app/tables"
	"github.com/todofn/todofn/pkg/todo"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

// claimHook is the App's store with a hook that runs before each Claim:
// the test's way to act between two mails of one batch (the mailer claims
// a mail's key just before it connects to send it).
type claimHook struct {
	todo.Store
	mu     sync.Mutex
	claims int
	before func(n int) // with the claim's number, 1 for the first
}

func (h *claimHook) Claim(ctx context.Context, key, value string, expires time.Time) (string, bool, error) {
	h.mu.Lock()
	h.claims++
	n, before := h.claims, h.before
	h.mu.Unlock()
	if before != nil {
		before(n)
	}
	return h.Store.Claim(ctx, key, value, expires)
}

func (h *claimHook) set(before func(int)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.before = before
}

// lockedBuffer is the App's log, written by the handler and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// record is one INSERT of a pending sign-up as a DynamoDB stream delivers
// it (see events/mailer.json), with sequence number seq.
func record(seq int, email string, sentAt time.Time) json.RawMessage {
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	return json.RawMessage(fmt.Sprintf(`{"eventID":"event-%[1]d","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb",
"awsRegion":"us-east-1","dynamodb":{"Keys":{"email":{"S":%[2]q}},"NewImage":{"email":{"S":%[2]q},"id":{"S":"01KB3QJ7M0A5Y6N9T2V8X4Z%03[1]d"},
"passwordHash":{"S":"x"},"status":{"S":"pending"},"codeNonce":{"S":"nonce-%[1]d"},"codeSentAt":{"S":%[3]q},"codeExpires":{"S":%[4]q},
"createdAt":{"S":%[3]q},"updatedAt":{"S":%[3]q},"version":{"N":"1"}},"SequenceNumber":"%[1]d","SizeBytes":300,
"StreamViewType":"NEW_AND_OLD_IMAGES"}}`, seq, email, ts(sentAt), ts(sentAt.Add(15*time.Minute))))
}

func event(recs []json.RawMessage) []byte {
	b, _ := json.Marshal(map[string]any{"Records": recs})
	return b
}

// failedFrom decodes a batch response into the failed sequence numbers.
func failedFrom(t *testing.T, out []byte) []int {
	t.Helper()
	var resp struct {
		BatchItemFailures []struct{ ItemIdentifier string } `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("batch response %s: %v", out, err)
	}
	var seqs []int
	for _, f := range resp.BatchItemFailures {
		n, err := strconv.Atoi(f.ItemIdentifier)
		if err != nil {
			t.Fatalf("batch response %s: %v", out, err)
		}
		seqs = append(seqs, n)
	}
	return seqs
}

// openMailer opens an App on dynalite that sends through smtpAddr, with its
// store behind a claimHook, and returns the mailer function's handler.
func openMailer(t *testing.T, smtpHost string, smtpPort int, log *lockedBuffer) (func(context.Context, []byte) ([]byte, error), *claimHook) {
	t.Helper()
	prefix := fmt.Sprintf("fault%d_", time.Now().UnixNano()) // dynalite outlives a test run (-count)
	vars := map[string]string{"STORE": "dynamodb", "AWS_REGION": "us-east-1", "DYNAMODB_ENDPOINT": dynalitetest.Endpoint(t),
		"USERS_TABLE": prefix + "users", "TODOS_TABLE": prefix + "todos", "KEYS_TABLE": prefix + "keys", "DATA_DIR": t.TempDir(),
		"APP_URL": "https://app.example/", "SMTP_HOST": smtpHost, "SMTP_PORT": strconv.Itoa(smtpPort), "SMTP_SECURITY": "none",
		"MAIL_FROM": "todofn <no-reply@fault.example>", "LOG_FORMAT": "json"}
	cfg := app.ConfigFrom(func(k string) string { return vars[k] })
	if err := tables.Create(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenWithLog(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	hook := &claimHook{Store: a.Store}
	a.Store = hook // the mailer's claims and counters go through the hook
	handle, err := mailer.Handler(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return handle, hook
}

// TestMailerSurvivesStalledSMTP runs the real mailer handler (SMTP sender,
// notifier, DynamoDB stream decoding, claims in dynalite) over a batch of
// sign-ups while the SMTP server (a real Mailpit behind a real Toxiproxy)
// stalls from the third mail on, under a Lambda-like invocation deadline;
// then, the stall over, redelivers the records the batch reported failed,
// as Lambda would, and the whole batch once more. Every address gets its
// code exactly once: none lost, none doubled.
func TestMailerSurvivesStalledSMTP(t *testing.T) {
	mp := mailpittest.Start(t)
	proxy := toxiproxytest.Start(t).Proxy(t, "smtp", net.JoinHostPort(mp.SMTPHost, strconv.Itoa(mp.SMTPPort)))
	var log lockedBuffer
	handle, hook := openMailer(t, proxy.Host, proxy.Port, &log)

	const users, stallAt = 6, 3
	now := time.Now()
	recs := make([]json.RawMessage, users)
	for i := range recs {
		recs[i] = record(i+1, fmt.Sprintf("user%d@fault.example", i+1), now)
	}
	// The SMTP server stops answering just before the third mail connects:
	// its greeting never reaches the mailer, and no mail can be accepted
	// half-way (the one case no client can make exactly-once).
	stalled := false
	hook.set(func(n int) {
		if n == stallAt {
			proxy.AddToxic(t, toxiproxytest.Toxic{Name: "stall", Type: "timeout", Stream: "downstream",
				Attributes: map[string]any{"timeout": 0}})
			stalled = true
		}
	})

	// Invocation 1 has 11 s: two mails go out, the third stalls until its
	// send deadline (3 s before the invocation's), then too little time is
	// left (stream.Margin, 10 s) to start another record.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 11*time.Second)
	out, err := handle(ctx, event(recs))
	cancel()
	first := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	failed := failedFrom(t, out)
	if !stalled || fmt.Sprint(failed) != "[3 4 5 6]" || len(mp.Messages(t, "")) != stallAt-1 {
		t.Fatalf("stalled %v; batch reported %v failed, Mailpit holds %d mails; want [3 4 5 6] and %d\n%s",
			stalled, failed, len(mp.Messages(t, "")), stallAt-1, log.String())
	}

	// The stall ends; Lambda retries from the first failed record.
	hook.set(nil)
	proxy.RemoveToxic(t, "stall")
	var retry []json.RawMessage
	for _, seq := range failed {
		retry = append(retry, recs[seq-1])
	}
	start = time.Now()
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	out, err = handle(ctx, event(retry))
	cancel()
	second := time.Since(start)
	if err != nil || len(failedFrom(t, out)) != 0 {
		t.Fatalf("retry: %s, %v; want no failures\n%s", out, err, log.String())
	}

	// A duplicate delivery of the whole batch sends nothing.
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	out, err = handle(ctx, event(recs))
	cancel()
	if err != nil || len(failedFrom(t, out)) != 0 {
		t.Fatalf("redelivery: %s, %v; want no failures", out, err)
	}

	all := mp.Messages(t, "")
	for i := 1; i <= users; i++ {
		to := fmt.Sprintf("user%d@fault.example", i)
		if got := mp.Messages(t, to); len(got) != 1 || !strings.Contains(got[0].Subject, "verification code") {
			t.Errorf("%s got %d mails, want exactly 1", to, len(got))
		}
	}
	if len(all) != users {
		t.Errorf("Mailpit holds %d mails for %d sign-ups", len(all), users)
	}
	if logs := log.String(); strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, "too little time left") {
		t.Errorf("log: want the deadline warning and no error\n%s", logs)
	}
	t.Logf("batch of %d: first invocation %v (%d sent, %d reported failed), retry of %d in %v, duplicate delivery sent none; %d mails in all",
		users, first.Round(time.Millisecond), stallAt-1, len(failed), len(retry), second.Round(time.Millisecond), len(all))
}

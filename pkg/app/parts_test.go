package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/app/tables"
	"github.com/todofn/todofn/pkg/todo"
)

// These tests open the App and build parts on it, as a function's main
// does.

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestDevSecretsAreKept(t *testing.T) {
	dir := t.TempDir()
	a1, err := app.OpenWithLog(app.ConfigFrom(env("DATA_DIR", dir)), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	t1, err := apiserver.Issuer(a1)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, _ := t1.Issue("u1", "s1")
	a1.Close()
	a2, err := app.OpenWithLog(app.ConfigFrom(env("DATA_DIR", dir)), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	t2, err := apiserver.Verifier(a2)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := t2.Verify(tok); err != nil || c.UserID != "u1" {
		t.Fatalf("a token from the first run does not verify in the second: %v", err)
	}
	st, _ := os.Stat(filepath.Join(dir, "dev-secrets.json"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("dev-secrets.json mode %v", st.Mode())
	}
}

type senderFunc func(context.Context, todo.Mail) error

func (f senderFunc) Send(ctx context.Context, m todo.Mail) error { return f(ctx, m) }

func streamRecord(seq, event, email, nonce string, expires time.Time) string {
	return fmt.Sprintf(`{"eventID":"e%[1]s","eventName":%[2]q,"eventSource":"aws:dynamodb","dynamodb":{"Keys":{"email":{"S":%[3]q}},
"NewImage":{"email":{"S":%[3]q},"id":{"S":"01KB3QJ7M0A5Y6N9T2V8X4Z1QD"},"passwordHash":{"S":"x"},"status":{"S":"pending"},
"codeNonce":{"S":%[4]q},"codeSentAt":{"S":%[5]q},"codeExpires":{"S":%[6]q},"codeAttempts":{"N":"0"},
"createdAt":{"S":%[5]q},"updatedAt":{"S":%[5]q},"version":{"N":"1"}},"SequenceNumber":%[1]q,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`,
		seq, event, email, nonce, expires.Add(-15*time.Minute).UTC().Format(time.RFC3339), expires.UTC().Format(time.RFC3339))
}

// TestMailerDynamoDBEvent feeds a DynamoDB stream event (the documented
// record format; dynalite has no streams) through the mailer: a good record
// mails, a malformed one is skipped, a failed send is reported for retry, and
// a redelivery does not mail twice.
func TestMailerDynamoDBEvent(t *testing.T) {
	a, err := app.OpenWithLog(app.ConfigFrom(env("DATA_DIR", t.TempDir(), "APP_URL", "https://app.example/")), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var sent []todo.Mail
	n := mailer.Notifier(a, senderFunc(func(_ context.Context, m todo.Mail) error {
		if m.To == "down@example.com" {
			return errors.New("smtp: 451 try later")
		}
		sent = append(sent, m)
		return nil
	}))
	exp := time.Now().Add(10 * time.Minute)
	payload := `{"Records":[` + streamRecord("1", "INSERT", "ann@example.com", "n1", exp) + `,` +
		`{"eventID":"bad","eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{"NewImage":{"email":{"N":"1"}},"SequenceNumber":"2"}},` +
		streamRecord("3", "INSERT", "down@example.com", "n3", exp) + `]}`
	for round := range 2 {
		out, err := mailer.HandleStream(context.Background(), a, []byte(payload), n.Handle)
		if err != nil {
			t.Fatal(err)
		}
		var resp struct {
			BatchItemFailures []struct{ ItemIdentifier string } `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "3" {
			t.Fatalf("round %d: failures %s, want only sequence 3", round, out)
		}
	}
	if len(sent) != 1 || sent[0].To != "ann@example.com" || !strings.Contains(sent[0].Text, "https://app.example/#/verify?code=") {
		t.Fatalf("sent %+v, want one code mail to ann", sent)
	}
}

// TestMailerTablestoreTrigger feeds the users table's changes, as the
// Tablestore protocol double records them, through the mailer as a CBOR
// trigger payload.
func TestMailerTablestoreTrigger(t *testing.T) {
	ts := tablestoretest.NewServer()
	defer ts.Close()
	cfg := app.ConfigFrom(env("STORE", "tablestore", "TABLESTORE_ENDPOINT", ts.URL(), "TABLESTORE_INSTANCE", "inst",
		"ALIBABA_CLOUD_ACCESS_KEY_ID", "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret", "DATA_DIR", t.TempDir(), "APP_URL", "https://app.example/"))
	if err := tables.Create(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenWithLog(cfg, new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	acc, err := accounts.New(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.Register(context.Background(), "ann@example.com", "correct horse battery", "Ann"); err != nil {
		t.Fatal(err)
	}
	payload, err := tablestoretest.TriggerPayload(ts.Changes("inst", cfg.Tables.Users, 0))
	if err != nil {
		t.Fatal(err)
	}
	var sent []todo.Mail
	n := mailer.Notifier(a, senderFunc(func(_ context.Context, m todo.Mail) error { sent = append(sent, m); return nil }))
	for range 2 { // a redelivered trigger mails once
		if _, err := mailer.HandleStream(context.Background(), a, payload, n.Handle); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := a.Store.User(context.Background(), "ann@example.com")
	if len(sent) != 1 || !strings.Contains(sent[0].Text, account.NewCodes(a.Secret()).Code(u.Email, u.CodeNonce)) {
		t.Fatalf("sent %+v", sent)
	}
	if _, err := mailer.HandleStream(context.Background(), a, []byte("\xff\x00garbage"), n.Handle); err != nil {
		t.Fatalf("an undecodable event must be dropped with a log line, not retried forever: %v", err)
	}
}

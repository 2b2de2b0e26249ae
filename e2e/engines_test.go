package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/internal/mailboxtest"
	"github.com/todofn/todofn/internal/mailpittest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
)

// mailpitMail reads mail back through a real Mailpit's API.
func mailpitMail(mp *mailpittest.Mailpit) func(t *testing.T, to string, n int) []mailboxtest.Message {
	return func(t *testing.T, to string, n int) []mailboxtest.Message {
		t.Helper()
		var out []mailboxtest.Message
		for _, m := range mp.WaitFor(t, to, n, 15*time.Second) {
			out = append(out, mailboxtest.Message{To: strings.Join(m.To, ", "), From: m.From, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
		}
		return out
	}
}

// runOnEngine starts the local server on a cloud engine with mail through
// Mailpit and runs the whole flow. env names the engine; create makes its
// tables first.
func runOnEngine(t *testing.T, env []string, create func(app.Config) error) {
	mp := mailpittest.Start(t)
	port := freePort(t)
	origin := "http://127.0.0.1:" + port
	env = append(env, "DATA_DIR="+t.TempDir(), "APP_URL="+origin+"/", "ALLOWED_ORIGINS=http://app.e2e.example",
		"SMTP_HOST="+mp.SMTPHost, "SMTP_PORT="+itoa(mp.SMTPPort), "SMTP_SECURITY=none", "MAIL_FROM=todofn e2e <no-reply@e2e.example>",
		"USERS_TABLE=e2e_users", "TODOS_TABLE=e2e_todos", "KEYS_TABLE=e2e_keys")
	cfg := app.ConfigFrom(func(k string) string {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		return ""
	})
	if err := create(cfg); err != nil {
		t.Fatalf("create tables: %v", err)
	}
	base := start(t, "local", port, append(env, "WEB_DIR="+filepath.Join("..", "web"))...)
	urls := map[string]string{}
	for _, f := range functions {
		urls[f] = base
	}
	runFlow(t, system{url: urls, mail: mailpitMail(mp)}, origin+"/")
}

// TestDynamoDBAndMailpit runs the flow on the DynamoDB engine against a real
// DynamoDB-API server (dynalite) with mail through a real SMTP server
// (Mailpit). dynalite has no streams: the local server hands its own writes'
// changes to the same mailer code.
func TestDynamoDBAndMailpit(t *testing.T) {
	endpoint := dynalitetest.Endpoint(t)
	runOnEngine(t, []string{"STORE=dynamodb", "AWS_REGION=us-east-1", "DYNAMODB_ENDPOINT=" + endpoint},
		func(c app.Config) error { return tables.Create(context.Background(), c) })
}

// TestTablestoreDoubleAndMailpit runs the flow on the Tablestore engine
// (the real SDK) against the Tablestore protocol double on loopback, with mail
// through Mailpit. The double is not Tablestore; see its package comment.
func TestTablestoreDoubleAndMailpit(t *testing.T) {
	ts := tablestoretest.NewServer()
	t.Cleanup(ts.Close)
	runOnEngine(t, []string{"STORE=tablestore", "TABLESTORE_ENDPOINT=" + ts.URL(), "TABLESTORE_INSTANCE=e2e",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=e2e-key", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=e2e-secret"},
		func(c app.Config) error { return tables.Create(context.Background(), c) })
}

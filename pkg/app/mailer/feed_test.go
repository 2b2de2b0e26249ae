package mailer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/mailer"
	"github.com/todofn/todofn/pkg/todo"
)

type failingSender struct{}

func (failingSender) Send(context.Context, todo.Mail) error { return errors.New("smtp: 421 try later") }

// TestFeedAcknowledgesGivenUpMails: on the embedded store's feed, which
// retries a change before any later one, a mail given up is logged once and
// acknowledged instead of blocking the feed.
func TestFeedAcknowledgesGivenUpMails(t *testing.T) {
	var log lockedBuffer
	vars := map[string]string{"DATA_DIR": t.TempDir(), "LOG_FORMAT": "json"}
	a, err := app.OpenWithLog(app.ConfigFrom(func(k string) string { return vars[k] }), &log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	feed := mailer.Feed(a, mailer.Notifier(a, failingSender{}))
	now := time.Now()
	change := todo.UserChange{New: &todo.User{Email: "ann@example.com", Status: todo.StatusPending, CodeNonce: "n1",
		CodeSentAt: now, CodeExpires: now.Add(15 * time.Minute)}}
	for i := 1; i <= account.MaxAttempts+1; i++ {
		err := feed(context.Background(), change)
		if (err == nil) != (i >= account.MaxAttempts) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if n := strings.Count(log.String(), `"level":"ERROR"`); n != 1 {
		t.Fatalf("%d error lines, want 1:\n%s", n, log.String())
	}
}

// Package mailer builds the stream-fired mailer from the App: the mail
// sender, the account notifier that decides what to mail, and the event
// handler the mailer function runs. It links no HTTP API.
package mailer

import (
	"context"
	"errors"
	"io"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/mail"
	"github.com/todofn/todofn/pkg/todo"
)

// Sender returns the configured sender: SMTP when SMTP_HOST is set,
// otherwise the dev sink writing .eml files to MAIL_DIR (and echoing each
// mail to echo when it is not nil).
func Sender(a *app.App, echo io.Writer) (todo.MailSender, error) {
	c := a.Config
	if c.Mail.SMTPHost != "" {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: c.Mail.SMTPHost, Port: c.Mail.SMTPPort, Username: c.Mail.SMTPUsername,
			Password: c.Mail.SMTPPassword, Security: c.Mail.SMTPSecurity, From: c.Mail.From})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	d, err := mail.NewDir(c.Mail.Dir, c.Mail.From, echo)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Notifier returns the mailer's logic on a's store, sending through sender:
// claims and failure counts live in the keys table.
func Notifier(a *app.App, sender todo.MailSender) *account.Notifier {
	return &account.Notifier{Sender: sender, Claims: a.Store, Failures: a.Store, Codes: account.NewCodes(a.Secret()),
		VerifyURL: a.Config.VerifyLink(), AppURL: a.Config.AppURL}
}

// Handler returns the mailer function's event handler: it decodes a stream
// event with the engine that recognises it and hands each change to the
// Notifier. On a store with a change feed of its own (the embedded store) it
// also follows that feed until ctx ends: the local stand-in for a table
// stream.
func Handler(ctx context.Context, a *app.App) (func(context.Context, []byte) ([]byte, error), error) {
	sender, err := Sender(a, nil)
	if err != nil {
		return nil, err
	}
	n := Notifier(a, sender)
	a.Follow(ctx, Feed(a, n))
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		return HandleStream(ctx, a, payload, n.Handle)
	}, nil
}

// Feed is n.Handle for a change feed that retries a failed change before
// any later one (the embedded store's): a change whose mail was given up
// (an *account.DeadLetterError) is logged at error level, once, and
// acknowledged, so it does not hold back the feed for good.
func Feed(a *app.App, n *account.Notifier) func(context.Context, todo.UserChange) error {
	return func(ctx context.Context, c todo.UserChange) error {
		err := n.Handle(ctx, c)
		var dl *account.DeadLetterError
		if !errors.As(err, &dl) {
			return err
		}
		if dl.DeadLetter() {
			a.Log.Error("mailer: mail given up; the change is acknowledged", "mail", dl.Key, "error", err)
		}
		return nil
	}
}

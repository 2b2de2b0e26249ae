package app

import (
	"context"
	"io"

	"github.com/todofn/todofn/pkg/bolt"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/mail"
	"github.com/todofn/todofn/pkg/todo"
)

// MailSender builds the configured sender: SMTP when SMTP_HOST is set,
// otherwise the dev sink writing .eml files to MAIL_DIR (and echoing each
// mail to echo when it is not nil).
func (a *App) MailSender(echo io.Writer) (todo.MailSender, error) {
	c := a.Config
	if c.SMTPHost != "" {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername,
			Password: c.SMTPPassword, Security: c.SMTPSecurity, From: c.MailFrom})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	d, err := mail.NewDir(c.MailDir, c.MailFrom, echo)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Notifier returns the mailer's logic sending through sender.
func (a *App) Notifier(sender todo.MailSender) *account.Notifier {
	return &account.Notifier{Sender: sender, Claims: a.Store, Codes: a.Codes,
		VerifyURL: a.Config.verifyURL(), AppURL: a.Config.AppURL}
}

// Mailer returns the mailer function's event handler, which decodes a
// stream event and hands each change to the Notifier. With the embedded
// store it also follows the store's change feed until ctx ends: the local
// stand-in for a table stream.
func (a *App) Mailer(ctx context.Context) (func(context.Context, []byte) ([]byte, error), error) {
	sender, err := a.MailSender(nil)
	if err != nil {
		return nil, err
	}
	n := a.Notifier(sender)
	if a.Bolt != nil {
		go func() {
			_ = a.Bolt.Follow(ctx, n.Handle, bolt.FollowOptions{OnError: func(seq uint64, err error) {
				a.Log.Error("mailer: change not handled; will retry", "seq", seq, "error", err)
			}})
		}()
	}
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		return a.handleStreamEvent(ctx, n, payload)
	}, nil
}

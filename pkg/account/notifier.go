package account

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Notifier is the mailer's logic: given a change of a user record, it
// decides which mail to send, if any, and sends it at most once per code or
// notice, however often a stream delivers the change.
type Notifier struct {
	Sender todo.MailSender
	Claims todo.ClaimStore
	Codes  *Codes
	// VerifyURL is the verify route's full URL, e.g.
	// https://xyz.lambda-url.eu-west-1.on.aws/verify; the mailed link adds
	// ?email=...&code=... to it.
	VerifyURL string
	// AppURL is the web app, named in the mails.
	AppURL string
	Now    func() time.Time // nil means time.Now
}

// noticeTTL bounds how late a "someone tried to sign up" notice is still
// worth sending (a stream may deliver a day-old record).
const noticeTTL = time.Hour

// Handle sends the mail that change calls for. It returns nil for changes
// that call for none (deletes, unrelated updates, stale or already mailed
// codes) and an error when a mail could not be sent, so the platform retries
// the change; the claim taken for that mail is released first.
func (n *Notifier) Handle(ctx context.Context, c todo.UserChange) error {
	u := c.New
	if u == nil {
		return nil
	}
	now := time.Now()
	if n.Now != nil {
		now = n.Now()
	}
	var key string
	var m todo.Mail
	var err error
	switch u.Status {
	case todo.StatusPending:
		if u.CodeNonce == "" || (c.Old != nil && c.Old.CodeNonce == u.CodeNonce) || !now.Before(u.CodeExpires) {
			return nil
		}
		key = "mail:code:" + u.CodeNonce
		m, err = n.codeMail(u)
	case todo.StatusVerified:
		if u.NoticeNonce == "" || (c.Old != nil && c.Old.NoticeNonce == u.NoticeNonce) || now.Sub(u.NoticeAt) > noticeTTL {
			return nil
		}
		key = "mail:notice:" + u.NoticeNonce
		m, err = n.noticeMail(u)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	_, fresh, err := n.Claims.Claim(ctx, key, "sent", now.Add(48*time.Hour))
	if err != nil {
		return fmt.Errorf("account: claim %s: %w", key, err)
	}
	if !fresh {
		return nil // a redelivery: this mail went out already
	}
	if err := n.Sender.Send(ctx, m); err != nil {
		if rerr := n.Claims.Release(ctx, key); rerr != nil {
			return fmt.Errorf("account: send mail: %w (and release claim: %v)", err, rerr)
		}
		return fmt.Errorf("account: send mail: %w", err)
	}
	return nil
}

// The mails are built with fmt and html.EscapeString rather than
// text/template and html/template: the templates' reflection keeps every
// exported method of the binary alive and made the mailer 4.5 MB larger
// (13.6 vs 9.1 MB), which every cold start pays for.

func greeting(name string) (en, zh string) {
	if name == "" {
		return "Hello,", "您好："
	}
	return "Hello " + name + ",", "您好，" + name + "："
}

func (n *Notifier) codeMail(u *todo.User) (todo.Mail, error) {
	code := n.Codes.Code(u.Email, u.CodeNonce)
	link := n.VerifyURL + "?" + url.Values{"email": {u.Email}, "code": {code}}.Encode()
	minutes := int(u.CodeExpires.Sub(u.CodeSentAt).Round(time.Minute).Minutes())
	en, zh := greeting(u.Name)
	text := fmt.Sprintf(`%s

Your verification code is %s. It works for %d minutes.
Or open this link to verify %s:
%s

If you did not sign up, ignore this mail.

---
%s

您的验证码是 %s，%d 分钟内有效。
也可以打开上面的链接完成验证。
如果您没有注册，请忽略此邮件。
`, en, code, minutes, u.Email, link, zh, code, minutes)
	h, hl, he := html.EscapeString, html.EscapeString(link), html.EscapeString(u.Email)
	body := fmt.Sprintf(`<!doctype html>
<html><body style="font-family:sans-serif">
<p>%s</p>
<p>Your verification code is <strong style="font-size:1.4em;letter-spacing:.1em">%s</strong>. It works for %d minutes.</p>
<p><a href="%s">Verify %s</a></p>
<p>If you did not sign up, ignore this mail.</p>
<hr>
<p>%s</p>
<p>您的验证码是 <strong>%s</strong>，%d 分钟内有效。<a href="%s">点击此处完成验证</a>。</p>
<p>如果您没有注册，请忽略此邮件。</p>
</body></html>
`, h(en), code, minutes, hl, he, h(zh), code, minutes, hl)
	return todo.Mail{To: u.Email, Subject: "Your verification code: " + code + " / 您的验证码", Text: text, HTML: body}, nil
}

func (n *Notifier) noticeMail(u *todo.User) (todo.Mail, error) {
	en, zh := greeting(u.Name)
	login, loginHTML := "just log in.", "just log in."
	if n.AppURL != "" {
		login = "just log in: " + n.AppURL
		loginHTML = `just <a href="` + html.EscapeString(n.AppURL) + `">log in</a>.`
	}
	text := fmt.Sprintf(`%s

Someone tried to sign up with %s, which already has an account.
Nothing about your account changed. If it was you, %s

---
%s

有人尝试用 %s 注册，但该邮箱已有账户。您的账户没有任何变化。
如果是您本人，请直接登录。
`, en, u.Email, login, zh, u.Email)
	he := html.EscapeString(u.Email)
	body := fmt.Sprintf(`<!doctype html>
<html><body style="font-family:sans-serif">
<p>%s</p>
<p>Someone tried to sign up with %s, which already has an account. Nothing about your account changed.
If it was you, %s</p>
<hr>
<p>%s</p>
<p>有人尝试用 %s 注册，但该邮箱已有账户。您的账户没有任何变化。如果是您本人，请直接登录。</p>
</body></html>
`, html.EscapeString(en), he, loginHTML, html.EscapeString(zh), he)
	return todo.Mail{To: u.Email, Subject: "Someone tried to sign up with your address / 有人尝试用您的邮箱注册", Text: text, HTML: body}, nil
}

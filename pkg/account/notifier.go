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

// noticeTTL bounds how late a notice or an alert is still worth sending
// (a stream may deliver a day-old record).
const noticeTTL = time.Hour

// mail is one mail a change calls for, with the claim key that keeps it to
// one delivery.
type mail struct {
	key string
	m   todo.Mail
}

// Handle sends the mails that change calls for. It returns nil for changes
// that call for none (deletes, unrelated updates, stale or already mailed
// codes) and an error when a mail could not be sent, so the platform retries
// the change; the claim taken for that mail is released first.
func (n *Notifier) Handle(ctx context.Context, c todo.UserChange) error {
	for _, m := range n.due(c) {
		if err := n.send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// due lists the mails c calls for: the code of a pending account whose
// nonce is new and live; the notice and the alert of a verified account
// whose nonces are new and recent.
func (n *Notifier) due(c todo.UserChange) []mail {
	u, old := c.New, c.Old
	if u == nil {
		return nil
	}
	if old == nil {
		old = &todo.User{}
	}
	now := time.Now()
	if n.Now != nil {
		now = n.Now()
	}
	var out []mail
	switch u.Status {
	case todo.StatusPending:
		if u.CodeNonce != "" && old.CodeNonce != u.CodeNonce && now.Before(u.CodeExpires) {
			out = append(out, mail{"mail:code:" + u.CodeNonce, n.codeMail(u)})
		}
	case todo.StatusVerified:
		if u.NoticeNonce != "" && old.NoticeNonce != u.NoticeNonce && now.Sub(u.NoticeAt) <= noticeTTL {
			out = append(out, mail{"mail:notice:" + u.NoticeNonce, n.noticeMail(u)})
		}
		if u.AlertNonce != "" && old.AlertNonce != u.AlertNonce && now.Sub(u.AlertAt) <= noticeTTL {
			out = append(out, mail{"mail:alert:" + u.AlertNonce, n.alertMail(u)})
		}
	}
	return out
}

// send delivers m once: it claims m's key, sends, and releases the claim
// if the send fails.
func (n *Notifier) send(ctx context.Context, m mail) error {
	now := time.Now()
	if n.Now != nil {
		now = n.Now()
	}
	_, fresh, err := n.Claims.Claim(ctx, m.key, "sent", now.Add(48*time.Hour))
	if err != nil {
		return fmt.Errorf("account: claim %s: %w", m.key, err)
	}
	if !fresh {
		return nil // a redelivery: this mail went out already
	}
	if err := n.Sender.Send(ctx, m.m); err != nil {
		if rerr := n.Claims.Release(ctx, m.key); rerr != nil {
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

// codeMail is the verification code for a pending address. It names no
// one: the name was typed by whoever signed up, and the address has not
// been proved theirs, so no text of theirs goes to it. The link opens the
// web app's confirm page with the code filled in; the person confirms
// there (a link that verified by itself would be clicked by mail scanners).
func (n *Notifier) codeMail(u *todo.User) todo.Mail {
	code := n.Codes.Code(u.Email, u.CodeNonce)
	query := url.Values{"email": {u.Email}, "code": {code}}.Encode()
	link := n.VerifyURL + "?" + query
	if n.AppURL != "" {
		link = n.AppURL + "#/verify?" + query
	}
	minutes := int(u.CodeExpires.Sub(u.CodeSentAt).Round(time.Minute).Minutes())
	en, zh := greeting("")
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
	return todo.Mail{To: u.Email, Subject: "Your verification code: " + code + " / 您的验证码", Text: text, HTML: body}
}

// noticeMail tells a verified owner that someone tried to sign up with the
// address.
func (n *Notifier) noticeMail(u *todo.User) todo.Mail {
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
	return todo.Mail{To: u.Email, Subject: "Someone tried to sign up with your address / 有人尝试用您的邮箱注册", Text: text, HTML: body}
}

// alertMail tells a verified owner that their account has had many failed
// log-ins from elsewhere, which slowed those down and not the owner.
func (n *Notifier) alertMail(u *todo.User) todo.Mail {
	en, zh := greeting(u.Name)
	text := fmt.Sprintf(`%s

There have been many failed log-ins to your account (%s) in the last hour.
We slow down every place they come from; you can still log in as usual.
If they were not you, your password held; if it is one you use elsewhere, change it there.

---
%s

过去一小时内，您的账户（%s）有多次登录失败。
我们已限制这些尝试的来源，您仍可正常登录。
如果不是您本人，您的密码没有被猜中；如果您在其他地方也用这个密码，请在那里修改。
`, en, u.Email, zh, u.Email)
	he := html.EscapeString(u.Email)
	body := fmt.Sprintf(`<!doctype html>
<html><body style="font-family:sans-serif">
<p>%s</p>
<p>There have been many failed log-ins to your account (%s) in the last hour.
We slow down every place they come from; you can still log in as usual.</p>
<p>If they were not you, your password held; if it is one you use elsewhere, change it there.</p>
<hr>
<p>%s</p>
<p>过去一小时内，您的账户（%s）有多次登录失败。我们已限制这些尝试的来源，您仍可正常登录。</p>
<p>如果不是您本人，您的密码没有被猜中；如果您在其他地方也用这个密码，请在那里修改。</p>
</body></html>
`, html.EscapeString(en), he, html.EscapeString(zh), he)
	return todo.Mail{To: u.Email, Subject: "Many failed log-ins to your account / 您的账户多次登录失败", Text: text, HTML: body}
}

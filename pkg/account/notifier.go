package account

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	texttemplate "text/template"
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

type mailData struct {
	Name, Email, Code, Link, AppURL string
	Minutes                         int
}

func (n *Notifier) codeMail(u *todo.User) (todo.Mail, error) {
	code := n.Codes.Code(u.Email, u.CodeNonce)
	link := n.VerifyURL + "?" + url.Values{"email": {u.Email}, "code": {code}}.Encode()
	d := mailData{Name: u.Name, Email: u.Email, Code: code, Link: link, AppURL: n.AppURL,
		Minutes: int(u.CodeExpires.Sub(u.CodeSentAt).Round(time.Minute).Minutes())}
	return render(u.Email, "Your verification code: "+code+" / 您的验证码", codeText, codeHTML, d)
}

func (n *Notifier) noticeMail(u *todo.User) (todo.Mail, error) {
	d := mailData{Name: u.Name, Email: u.Email, AppURL: n.AppURL}
	return render(u.Email, "Someone tried to sign up with your address / 有人尝试用您的邮箱注册", noticeText, noticeHTML, d)
}

func render(to, subject string, text *texttemplate.Template, html *htmltemplate.Template, d mailData) (todo.Mail, error) {
	var tb, hb bytes.Buffer
	if err := text.Execute(&tb, d); err != nil {
		return todo.Mail{}, fmt.Errorf("account: render mail: %w", err)
	}
	if err := html.Execute(&hb, d); err != nil {
		return todo.Mail{}, fmt.Errorf("account: render mail: %w", err)
	}
	return todo.Mail{To: to, Subject: subject, Text: tb.String(), HTML: hb.String()}, nil
}

var codeText = texttemplate.Must(texttemplate.New("code").Parse(`Hello{{if .Name}} {{.Name}}{{end}},

Your verification code is {{.Code}}. It works for {{.Minutes}} minutes.
Or open this link to verify {{.Email}}:
{{.Link}}

If you did not sign up, ignore this mail.

---
您好{{if .Name}}，{{.Name}}{{end}}：

您的验证码是 {{.Code}}，{{.Minutes}} 分钟内有效。
也可以打开上面的链接完成验证。
如果您没有注册，请忽略此邮件。
`))

var codeHTML = htmltemplate.Must(htmltemplate.New("code").Parse(`<!doctype html>
<html><body style="font-family:sans-serif">
<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>Your verification code is <strong style="font-size:1.4em;letter-spacing:.1em">{{.Code}}</strong>. It works for {{.Minutes}} minutes.</p>
<p><a href="{{.Link}}">Verify {{.Email}}</a></p>
<p>If you did not sign up, ignore this mail.</p>
<hr>
<p>您好{{if .Name}}，{{.Name}}{{end}}：</p>
<p>您的验证码是 <strong>{{.Code}}</strong>，{{.Minutes}} 分钟内有效。<a href="{{.Link}}">点击此处完成验证</a>。</p>
<p>如果您没有注册，请忽略此邮件。</p>
</body></html>
`))

var noticeText = texttemplate.Must(texttemplate.New("notice").Parse(`Hello{{if .Name}} {{.Name}}{{end}},

Someone tried to sign up with {{.Email}}, which already has an account.
Nothing about your account changed. If it was you, just log in{{if .AppURL}}: {{.AppURL}}{{end}}

---
您好{{if .Name}}，{{.Name}}{{end}}：

有人尝试用 {{.Email}} 注册，但该邮箱已有账户。您的账户没有任何变化。
如果是您本人，请直接登录。
`))

var noticeHTML = htmltemplate.Must(htmltemplate.New("notice").Parse(`<!doctype html>
<html><body style="font-family:sans-serif">
<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>Someone tried to sign up with {{.Email}}, which already has an account. Nothing about your account changed.
If it was you, just {{if .AppURL}}<a href="{{.AppURL}}">log in</a>{{else}}log in{{end}}.</p>
<hr>
<p>您好{{if .Name}}，{{.Name}}{{end}}：</p>
<p>有人尝试用 {{.Email}} 注册，但该邮箱已有账户。您的账户没有任何变化。如果是您本人，请直接登录。</p>
</body></html>
`))

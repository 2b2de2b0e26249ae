package account

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

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

// letter builds a bilingual mail from paragraphs of plain text, the same
// words in the text and the HTML part (each paragraph escaped), with an
// optional link under the English and the Chinese text.
func letter(to, subject string, en, zh []string, link, linkEN, linkZH string) todo.Mail {
	var text, body strings.Builder
	body.WriteString("<!doctype html>\n<html><body style=\"font-family:sans-serif\">\n")
	part := func(paras []string, label string) {
		for _, p := range paras {
			text.WriteString(p + "\n\n")
			body.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
		}
		if link != "" {
			text.WriteString(link + "\n\n")
			body.WriteString(`<p><a href="` + html.EscapeString(link) + `">` + html.EscapeString(label) + "</a></p>\n")
		}
	}
	part(en, linkEN)
	text.WriteString("---\n\n")
	body.WriteString("<hr>\n")
	part(zh, linkZH)
	body.WriteString("</body></html>\n")
	return todo.Mail{To: to, Subject: subject, Text: strings.TrimRight(text.String(), "\n") + "\n", HTML: body.String()}
}

// appLink is a link to the web app's page (such as "#/reset") with query.
func (n *Notifier) appLink(page string, query url.Values) string {
	if n.AppURL == "" {
		return ""
	}
	return n.AppURL + page + "?" + query.Encode()
}

// resetMail is the password-reset code. Like the verification code it
// names no one: a reset may be asked for a pending address.
func (n *Notifier) resetMail(u *todo.User) todo.Mail {
	code := n.Codes.Code(u.Email, u.ResetNonce)
	minutes := int(u.ResetExpires.Sub(u.ResetSentAt).Round(time.Minute).Minutes())
	en, zh := greeting("")
	return letter(u.Email, "Your password reset code: "+code+" / 您的密码重置码",
		[]string{en, fmt.Sprintf("Your password reset code is %s. It works for %d minutes.", code, minutes),
			"Use it to set a new password; every device logged in to the account will be logged out.",
			"If you did not ask for this, ignore this mail: your password stays as it is."},
		[]string{zh, fmt.Sprintf("您的密码重置码是 %s，%d 分钟内有效。", code, minutes),
			"用它设置新密码后，所有已登录的设备都会退出登录。", "如果不是您本人的请求，请忽略此邮件，您的密码不会改变。"},
		n.appLink("#/reset", url.Values{"email": {u.Email}, "code": {code}}), "Set a new password", "设置新密码")
}

// noticeFor is the security notice u's NoticeKind calls for.
func (n *Notifier) noticeFor(u *todo.User) todo.Mail {
	en, zh := greeting(u.Name)
	when := u.NoticeAt.UTC().Format("2006-01-02 15:04 UTC")
	from := ""
	if u.NoticeIP != "" {
		from = " from " + u.NoticeIP
	}
	switch u.NoticeKind {
	case todo.NoticePasswordChanged:
		return letter(u.Email, "Your password was changed / 您的密码已修改",
			[]string{en, fmt.Sprintf("The password of your account (%s) was changed at %s%s. Every other device was logged out.", u.Email, when, from),
				"If it was not you, reset your password now with \"Forgot password?\"."},
			[]string{zh, fmt.Sprintf("您的账户（%s）的密码已于 %s 修改。其他设备均已退出登录。", u.Email, when),
				"如果不是您本人操作，请立即通过“忘记密码？”重置密码。"}, n.AppURL, "Open the app", "打开应用")
	case todo.NoticePasswordReset:
		return letter(u.Email, "Your password was reset / 您的密码已重置",
			[]string{en, fmt.Sprintf("The password of your account (%s) was reset with a code from this mailbox at %s%s. Every device was logged out.", u.Email, when, from),
				"If it was not you, someone can read your mail: secure your mailbox, then reset the password again."},
			[]string{zh, fmt.Sprintf("您的账户（%s）的密码已于 %s 用发到此邮箱的重置码重置。所有设备均已退出登录。", u.Email, when),
				"如果不是您本人操作，说明有人能读取您的邮件：请先保护好邮箱，再重新重置密码。"}, n.AppURL, "Open the app", "打开应用")
	case todo.NoticeTokenReuse:
		return letter(u.Email, "A session of your account was ended / 您的账户的一个会话已被终止",
			[]string{en, fmt.Sprintf("At %s a log-in token of your account (%s) that had already been used was presented again%s. It may have been copied, so we ended that session.", when, u.Email, from),
				"If you see this more than once, change your password and use \"Log out everywhere\"."},
			[]string{zh, fmt.Sprintf("%s，您的账户（%s）的一个已使用过的登录令牌被再次出示。它可能已被复制，因此我们终止了该会话。", when, u.Email),
				"如果多次收到此邮件，请修改密码并使用“在所有设备上退出登录”。"}, n.AppURL, "Open the app", "打开应用")
	case todo.NoticeAccountDeleted:
		return n.deletedMail(u)
	}
	return n.noticeMail(u)
}

// deletedMail tells the owner of a deleted account that it is gone.
func (n *Notifier) deletedMail(u *todo.User) todo.Mail {
	en, zh := greeting(u.Name)
	return letter(u.Email, "Your account was deleted / 您的账户已删除",
		[]string{en, fmt.Sprintf("Your account (%s) and its todos were deleted. You can sign up again with this address at any time.", u.Email),
			"If it was not you, someone knew your password: sign up again and use a new one."},
		[]string{zh, fmt.Sprintf("您的账户（%s）及其待办事项已删除。您随时可以用这个邮箱重新注册。", u.Email),
			"如果不是您本人操作，说明有人知道您的密码：请重新注册并使用新密码。"}, "", "", "")
}

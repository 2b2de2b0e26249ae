// Package mail delivers the back end's mail (verification codes, notices).
//
// It offers two implementations of todo.MailSender, both building the
// message with github.com/wneessen/go-mail:
//
//   - Dir writes each mail as an RFC 5322 .eml file into a folder: the sink
//     for local development and tests, where no mail may leave the machine.
//   - SMTP delivers through an SMTP server (STARTTLS, implicit TLS, or plain
//     for a local test server such as Mailpit).
//
// Package mailpittest runs a real Mailpit for tests.
package mail

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"github.com/todofn/todofn/pkg/todo"
)

// parseFrom checks a From address such as "Todo <no-reply@example.com>" and
// returns it parsed.
func parseFrom(from string) (*netmail.Address, error) {
	if strings.TrimSpace(from) == "" {
		return nil, fmt.Errorf("must not be empty")
	}
	if hasControl(from) {
		return nil, fmt.Errorf("must not contain control characters")
	}
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%q is not a mail address: %w", from, err)
	}
	if strings.LastIndexByte(a.Address, '@') < 1 {
		return nil, fmt.Errorf("%q has no domain", from)
	}
	return a, nil
}

// newMsg builds the message for m: From, To, Subject (encoded when not
// ASCII), Date, Message-ID, and a text/plain body with a text/html
// alternative when m.HTML is set, all in UTF-8 with quoted-printable
// transfer encoding.
func newMsg(from *netmail.Address, m todo.Mail, now time.Time) (*gomail.Msg, error) {
	if strings.TrimSpace(m.To) == "" {
		return nil, fmt.Errorf("mail: build message: empty recipient")
	}
	if hasControl(m.To) {
		return nil, fmt.Errorf("mail: build message: recipient contains control characters")
	}
	if hasControl(m.Subject) {
		// A CR or LF in a header value could inject headers.
		return nil, fmt.Errorf("mail: build message: subject contains control characters")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: build message: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	id, err := messageID(from.Address)
	if err != nil {
		return nil, err
	}
	msg.SetMessageIDWithValue(id)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID returns a random Message-ID value (without angle brackets) in the
// domain of the From address, so it does not reveal the sending host's name.
func messageID(from string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("mail: message id: %w", err)
	}
	domain := from[strings.LastIndexByte(from, '@')+1:]
	return hex.EncodeToString(b[:]) + "@" + domain, nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

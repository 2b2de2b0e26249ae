package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/todo"
)

// senderFunc is a func-field mock: tests choose what Send does.
type senderFunc func(context.Context, todo.Mail) error

func (f senderFunc) Send(ctx context.Context, m todo.Mail) error { return f(ctx, m) }

func TestNotifier(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var sent []todo.Mail
	fail := false
	n := &account.Notifier{
		Sender: senderFunc(func(_ context.Context, m todo.Mail) error {
			if fail {
				return errors.New("smtp: 421 try later")
			}
			sent = append(sent, m)
			return nil
		}),
		Claims: f.store, Codes: f.codes, VerifyURL: "https://fn.example/verify", AppURL: "https://app.example/",
		Now: f.clock.Now,
	}
	if err := f.svc.Register(ctx, "ann+todo@example.com", "password1", "Ann"); err != nil {
		t.Fatal(err)
	}
	u := f.user(t, "ann+todo@example.com")
	insert := todo.UserChange{New: u}

	fail = true
	if err := n.Handle(ctx, insert); err == nil {
		t.Fatal("a failed send was not reported")
	}
	fail = false
	if err := n.Handle(ctx, insert); err != nil {
		t.Fatal(err)
	}
	if err := n.Handle(ctx, insert); err != nil { // redelivery
		t.Fatal(err)
	}
	if len(sent) != 1 {
		t.Fatalf("%d mails for one code, want 1 (retry after failure, none on redelivery)", len(sent))
	}
	code := f.codes.Code(u.Email, u.CodeNonce)
	m := sent[0]
	wantLink := "https://fn.example/verify?code=" + code + "&email=ann%2Btodo%40example.com"
	if m.To != u.Email || !strings.Contains(m.Subject, code) || !strings.Contains(m.Text, wantLink) ||
		!strings.Contains(m.HTML, strings.ReplaceAll(wantLink, "&", "&amp;")) || !strings.Contains(m.Text, "15 minutes") {
		t.Fatalf("code mail = %+v\nwant link %s", m, wantLink)
	}

	// A wrong try changes the row but not the code: no mail (even without
	// an old image, as Tablestore streams send).
	f.svc.Verify(ctx, u.Email, "000000")
	if err := n.Handle(ctx, todo.UserChange{New: f.user(t, u.Email)}); err != nil || len(sent) != 1 {
		t.Fatalf("attempt update mailed: %v, %d mails", err, len(sent))
	}

	// Verify, then a sign-up attempt on the verified address: one notice.
	f.svc.Verify(ctx, u.Email, code)
	before := f.user(t, u.Email)
	f.clock.Add(2 * time.Minute)
	f.svc.Register(ctx, u.Email, "password9", "")
	after := f.user(t, u.Email)
	if err := n.Handle(ctx, todo.UserChange{Old: before, New: after}); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 || !strings.Contains(sent[1].Subject, "tried to sign up") || strings.Contains(sent[1].Text, code) {
		t.Fatalf("notice = %+v", sent[len(sent)-1])
	}

	tests := []struct {
		name   string
		change todo.UserChange
	}{
		{"delete", todo.UserChange{Old: after}},
		{"same notice", todo.UserChange{Old: after, New: after}},
		{"verification itself", todo.UserChange{Old: &todo.User{Status: todo.StatusPending, CodeNonce: "x"}, New: &todo.User{Status: todo.StatusVerified, CodeNonce: "x"}}},
		{"stale code", todo.UserChange{New: &todo.User{Email: "old@example.com", Status: todo.StatusPending, CodeNonce: "n", CodeExpires: f.clock.t.Add(-time.Second)}}},
		{"stale notice", todo.UserChange{New: &todo.User{Email: "old@example.com", Status: todo.StatusVerified, NoticeNonce: "n", NoticeAt: f.clock.t.Add(-2 * time.Hour)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(sent)
			if err := n.Handle(ctx, tt.change); err != nil || len(sent) != before {
				t.Fatalf("Handle = %v, sent %d new mails; want none", err, len(sent)-before)
			}
		})
	}
}

func TestCodes(t *testing.T) {
	c := account.NewCodes([]byte("0123456789abcdef0123456789abcdef"))
	other := account.NewCodes([]byte("fedcba9876543210fedcba9876543210"))
	n1, _ := c.NewNonce()
	n2, _ := c.NewNonce()
	code := c.Code("ann@example.com", n1)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Fatalf("code %q is not six digits", code)
	}
	if n1 == n2 || !c.Check("ann@example.com", n1, code) || c.Check("bob@example.com", n1, code) ||
		c.Check("ann@example.com", "", code) || other.Code("ann@example.com", n1) == code && other.Code("ann@example.com", n2) == c.Code("ann@example.com", n2) {
		t.Fatal("codes are not bound to secret, address and nonce")
	}
}

func TestMailsEscapeHTML(t *testing.T) {
	f := newFixture(t)
	var sent []todo.Mail
	n := &account.Notifier{Sender: senderFunc(func(_ context.Context, m todo.Mail) error { sent = append(sent, m); return nil }),
		Claims: f.store, Codes: f.codes, VerifyURL: "https://fn.example/verify", Now: f.clock.Now}
	if err := f.svc.Register(context.Background(), "eve@example.com", "password1", `<img src=x onerror=alert(1)>`); err != nil {
		t.Fatal(err)
	}
	if err := n.Handle(context.Background(), todo.UserChange{New: f.user(t, "eve@example.com")}); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || strings.Contains(sent[0].HTML, "<img") || !strings.Contains(sent[0].HTML, "&lt;img src=x") ||
		!strings.Contains(sent[0].Text, "Hello <img src=x onerror=alert(1)>,") {
		t.Fatalf("mail = %+v", sent)
	}
}

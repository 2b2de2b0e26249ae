package account_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/bolt"
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
	if err := f.svc.Register(ctx, "ann+todo@example.com", "correct horse 1", "Ann"); err != nil {
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
	wantLink := "https://app.example/#/verify?code=" + code + "&email=ann%2Btodo%40example.com"
	if m.To != u.Email || !strings.Contains(m.Subject, code) || !strings.Contains(m.Text, wantLink) ||
		!strings.Contains(m.HTML, strings.ReplaceAll(wantLink, "&", "&amp;")) || !strings.Contains(m.Text, "15 minutes") {
		t.Fatalf("code mail = %+v\nwant link %s", m, wantLink)
	}

	// A wrong try changes the row but not the code: no mail (even without
	// an old image, as Tablestore streams send).
	f.svc.Verify(ctx, u.Email, "000000", pw)
	if err := n.Handle(ctx, todo.UserChange{New: f.user(t, u.Email)}); err != nil || len(sent) != 1 {
		t.Fatalf("attempt update mailed: %v, %d mails", err, len(sent))
	}

	// Verify, then a sign-up attempt on the verified address: one notice.
	f.svc.Verify(ctx, u.Email, code, pw)
	before := f.user(t, u.Email)
	f.clock.Add(2 * time.Minute)
	f.svc.Register(ctx, u.Email, "correct horse 9", "")
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
		{"a removal without the account's image", todo.UserChange{Old: &todo.User{Email: "gone@example.com"}}},
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

// TestSecurityMails: the reset code, the notice of each kind and the
// deletion of a verified account each mail the owner once.
func TestSecurityMails(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var sent []todo.Mail
	n := &account.Notifier{Sender: senderFunc(func(_ context.Context, m todo.Mail) error { sent = append(sent, m); return nil }),
		Claims: f.store, Codes: f.codes, AppURL: "https://app.example/", Now: f.clock.Now}
	now := f.clock.Now()
	base := todo.User{ID: "u1", Email: "ann@example.com", Name: "Ann", Status: todo.StatusVerified}
	reset := base
	reset.ResetNonce, reset.ResetSentAt, reset.ResetExpires = "r1", now, now.Add(15*time.Minute)
	pendingReset := reset
	pendingReset.Status, pendingReset.ResetNonce, pendingReset.Email = todo.StatusPending, "r2", "pending@example.com"
	notice := func(kind todo.Notice, nonce string) *todo.User {
		u := base
		u.NoticeNonce, u.NoticeAt, u.NoticeKind, u.NoticeIP = nonce, now, kind, "192.0.2.7"
		return &u
	}
	tests := []struct {
		name    string
		change  todo.UserChange
		subject string
		text    []string
	}{
		{"reset code", todo.UserChange{Old: &base, New: &reset}, "password reset code",
			[]string{f.codes.Code("ann@example.com", "r1"), "https://app.example/#/reset?code=" + f.codes.Code("ann@example.com", "r1") + "&email=ann%40example.com"}},
		{"reset code to a pending address", todo.UserChange{New: &pendingReset}, "password reset code", []string{f.codes.Code("pending@example.com", "r2")}},
		{"password changed", todo.UserChange{Old: &base, New: notice(todo.NoticePasswordChanged, "n1")}, "password was changed", []string{"192.0.2.7", "Hello Ann"}},
		{"password reset", todo.UserChange{Old: &base, New: notice(todo.NoticePasswordReset, "n2")}, "password was reset", []string{"192.0.2.7"}},
		{"token reuse", todo.UserChange{Old: &base, New: notice(todo.NoticeTokenReuse, "n3")}, "session of your account was ended", []string{"192.0.2.7", now.UTC().Format("2006-01-02 15:04")}},
		{"sign-up attempt", todo.UserChange{Old: &base, New: notice(todo.NoticeSignUp, "n4")}, "tried to sign up", nil},
		{"account deleted", todo.UserChange{Old: &base, New: notice(todo.NoticeAccountDeleted, "n5")}, "account was deleted", []string{"ann@example.com"}},
		{"account deleted, told twice", todo.UserChange{Old: &base}, "", nil}, // the removal after the notice: the same claim
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // a redelivery sends nothing more
				if err := n.Handle(ctx, tt.change); err != nil {
					t.Fatal(err)
				}
			}
			if tt.subject == "" {
				if len(sent) != 0 {
					t.Fatalf("%d mails, want none", len(sent))
				}
				return
			}
			if len(sent) != 1 {
				t.Fatalf("%d mails, want 1", len(sent))
			}
			m := sent[0]
			sent = nil
			if !strings.Contains(m.Subject, tt.subject) {
				t.Fatalf("subject %q, want %q in it", m.Subject, tt.subject)
			}
			for _, w := range tt.text {
				if !strings.Contains(m.Text, w) {
					t.Fatalf("text lacks %q:\n%s", w, m.Text)
				}
			}
			if tt.change.New != nil && tt.change.New.Status == todo.StatusPending && strings.Contains(m.Text, "Ann") {
				t.Fatal("a mail to a pending address names the sign-up's name")
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

// TestMailsEscapeHTML: a name is escaped in the HTML part and kept as
// typed in the text part of a notice; a code mail names no one.
func TestMailsEscapeHTML(t *testing.T) {
	var sent []todo.Mail
	n := &account.Notifier{Sender: senderFunc(func(_ context.Context, m todo.Mail) error { sent = append(sent, m); return nil }),
		Claims: openStore(t), Codes: account.NewCodes([]byte("0123456789abcdef0123456789abcdef")), VerifyURL: "https://fn.example/verify"}
	name := `<img src=x onerror=alert(1)>`
	verified := &todo.User{Email: "eve@example.com", Name: name, Status: todo.StatusVerified, NoticeNonce: "n1", NoticeAt: time.Now()}
	pending := pendingUser("mallory@example.com")
	pending.Name = name
	for _, u := range []*todo.User{verified, pending} {
		if err := n.Handle(context.Background(), todo.UserChange{New: u}); err != nil {
			t.Fatal(err)
		}
	}
	if len(sent) != 2 || strings.Contains(sent[0].HTML, "<img") || !strings.Contains(sent[0].HTML, "&lt;img src=x") ||
		!strings.Contains(sent[0].Text, "Hello "+name+",") {
		t.Fatalf("notice = %+v", sent)
	}
	if strings.Contains(sent[1].Text+sent[1].HTML, "img") {
		t.Fatalf("the code mail names the unproved owner: %+v", sent[1])
	}
}

// openStore opens an embedded store in a temporary folder.
func openStore(t *testing.T) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pendingUser is a fresh sign-up whose code mail is due.
func pendingUser(email string) *todo.User {
	now := time.Now()
	return &todo.User{Email: email, Status: todo.StatusPending, CodeNonce: "nonce-" + email,
		CodeSentAt: now, CodeExpires: now.Add(15 * time.Minute)}
}

// newNotifier returns a Notifier on a fresh store whose Sender is send.
func newNotifier(t *testing.T, send senderFunc) (*account.Notifier, *bolt.Store) {
	t.Helper()
	s := openStore(t)
	return &account.Notifier{Sender: send, Claims: s, Failures: s,
		Codes: account.NewCodes([]byte("0123456789abcdef0123456789abcdef")), VerifyURL: "https://fn.example/verify"}, s
}

// TestNotifierClaimStates: a mail another invocation is sending is a
// failure to retry, not a mail to skip; a sent one is skipped.
func TestNotifierClaimStates(t *testing.T) {
	ctx := context.Background()
	sent := 0
	n, s := newNotifier(t, func(context.Context, todo.Mail) error { sent++; return nil })
	u := pendingUser("ann@example.com")
	key := "mail:code:" + u.CodeNonce

	if _, _, err := s.Claim(ctx, key, "sending:other", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := n.Handle(ctx, todo.UserChange{New: u}); err == nil || sent != 0 {
		t.Fatalf("Handle under another's lease = %v with %d mails; want an error and none", err, sent)
	}
	if err := s.Release(ctx, key); err != nil { // the other lease ends
		t.Fatal(err)
	}
	for range 2 { // the retry sends; a redelivery after it does not
		if err := n.Handle(ctx, todo.UserChange{New: u}); err != nil {
			t.Fatal(err)
		}
	}
	if held, fresh, err := s.Claim(ctx, key, "x", time.Now().Add(time.Minute)); sent != 1 || fresh || held != "sent" || err != nil {
		t.Fatalf("%d mails, claim %q (fresh %v, %v); want 1 and sent", sent, held, fresh, err)
	}
}

// TestNotifierTimeoutReleases: a send cut off by its deadline, with the
// invocation's context gone as well, still frees the mail for the retry.
func TestNotifierTimeoutReleases(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var deadline time.Time
	n, s := newNotifier(t, func(sctx context.Context, _ todo.Mail) error {
		deadline, _ = sctx.Deadline()
		<-sctx.Done()
		cancel() // the invocation ends too
		return sctx.Err()
	})
	n.SendTimeout = 50 * time.Millisecond
	start := time.Now()
	u := pendingUser("ann@example.com")
	err := n.Handle(ctx, todo.UserChange{New: u})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Handle = %v, want the send's deadline", err)
	}
	if d := deadline.Sub(start); d < 40*time.Millisecond || d > time.Second {
		t.Fatalf("send deadline %v after start, want SendTimeout", d)
	}
	if _, fresh, err := s.Claim(context.Background(), "mail:code:"+u.CodeNonce, "x", time.Now().Add(time.Minute)); !fresh || err != nil {
		t.Fatalf("claim after the timed-out send: fresh %v, %v; want released", fresh, err)
	}
}

// TestNotifierDeadline: a send ends well before the invocation does, and
// none starts when too little time is left.
func TestNotifierDeadline(t *testing.T) {
	calls := 0
	var got time.Time
	n, s := newNotifier(t, func(sctx context.Context, _ todo.Mail) error { calls++; got, _ = sctx.Deadline(); return nil })
	u := pendingUser("ann@example.com")
	end := time.Now().Add(3500 * time.Millisecond) // less than a second after the 3 s kept for the claim
	ctx, cancel := context.WithDeadline(context.Background(), end)
	defer cancel()
	if err := n.Handle(ctx, todo.UserChange{New: u}); err == nil || calls != 0 {
		t.Fatalf("Handle with %v left = %v after %d sends; want an error and none", time.Until(end), err, calls)
	}
	if _, fresh, _ := s.Claim(context.Background(), "mail:code:"+u.CodeNonce, "x", time.Now().Add(-time.Second)); !fresh {
		t.Fatal("a mail not started was claimed")
	}
	end = time.Now().Add(5 * time.Second)
	ctx, cancel = context.WithDeadline(context.Background(), end)
	defer cancel()
	if err := n.Handle(ctx, todo.UserChange{New: u}); err != nil || calls != 1 || !got.Equal(end.Add(-3*time.Second)) {
		t.Fatalf("Handle = %v, %d sends, send deadline %v before the invocation's; want 3s", err, calls, end.Sub(got))
	}
}

// TestNotifierDeadLetter: the fifth failure gives the mail up, once; later
// deliveries do not send it and are not the first give-up.
func TestNotifierDeadLetter(t *testing.T) {
	ctx := context.Background()
	calls := 0
	n, _ := newNotifier(t, func(context.Context, todo.Mail) error { calls++; return errors.New("smtp: 421 try later") })
	change := todo.UserChange{New: pendingUser("ann@example.com")}
	for i := 1; i <= account.MaxAttempts+1; i++ {
		err := n.Handle(ctx, change)
		var dl *account.DeadLetterError
		switch {
		case i < account.MaxAttempts && (err == nil || errors.As(err, &dl)):
			t.Fatalf("attempt %d: %v, want a failure to retry", i, err)
		case i == account.MaxAttempts && (!errors.As(err, &dl) || !dl.DeadLetter() || dl.Attempts != i):
			t.Fatalf("attempt %d: %v, want the give-up", i, err)
		case i > account.MaxAttempts && (!errors.As(err, &dl) || dl.DeadLetter()):
			t.Fatalf("attempt %d: %v, want a dead letter that is not the first", i, err)
		}
	}
	if calls != account.MaxAttempts {
		t.Fatalf("%d sends, want %d", calls, account.MaxAttempts)
	}
}

// TestNotifierConcurrentDeliveries: the same change handled by several
// invocations at once goes out once; the others fail, to be retried.
func TestNotifierConcurrentDeliveries(t *testing.T) {
	var mu sync.Mutex
	sent := 0
	release := make(chan struct{})
	n, _ := newNotifier(t, func(context.Context, todo.Mail) error {
		<-release
		mu.Lock()
		sent++
		mu.Unlock()
		return nil
	})
	change := todo.UserChange{New: pendingUser("ann@example.com")}
	const k = 6
	errs := make(chan error, k)
	for range k {
		go func() { errs <- n.Handle(context.Background(), change) }()
	}
	failed := 0
	for range k - 1 { // all but the sender fail at once
		if err := <-errs; err != nil {
			failed++
		}
	}
	close(release)
	if err := <-errs; err != nil || failed != k-1 {
		t.Fatalf("sender: %v; %d of %d others failed", err, failed, k-1)
	}
	if err := n.Handle(context.Background(), change); err != nil || sent != 1 {
		t.Fatalf("retry = %v; %d mails, want 1", err, sent)
	}
}

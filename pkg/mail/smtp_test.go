package mail

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/mailpittest"
	"github.com/todofn/todofn/pkg/todo"
)

// waitTimeout bounds how long a test waits for Mailpit to show a mail.
const waitTimeout = 10 * time.Second

// mustNewSMTP returns a sender for the Mailpit with the given security and
// credentials, trusting the Mailpit's certificate if it has one.
func mustNewSMTP(tb testing.TB, mp *mailpittest.Mailpit, security, user, password string) *SMTP {
	tb.Helper()
	cfg := SMTPConfig{
		Host:     mp.SMTPHost,
		Port:     mp.SMTPPort,
		Username: user,
		Password: password,
		Security: security,
		From:     "Todo 应用 <no-reply@example.com>",
		Timeout:  5 * time.Second,
	}
	if mp.RootCAs != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: mp.RootCAs}
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		tb.Fatalf("NewSMTP: %v", err)
	}
	return s
}

// checkDelivered waits for the one mail to m.To's address and compares it
// with m.
func checkDelivered(tb testing.TB, mp *mailpittest.Mailpit, m todo.Mail, user string) {
	tb.Helper()
	to := m.To
	if a, err := parseFrom(m.To); err == nil {
		to = a.Address
	}
	got := mp.WaitFor(tb, to, 1, waitTimeout)
	if len(got) != 1 {
		tb.Fatalf("Mailpit holds %d mails for %s, want 1", len(got), to)
	}
	g := got[0]
	if g.Subject != m.Subject {
		tb.Errorf("Subject = %q, want %q", g.Subject, m.Subject)
	}
	if len(g.To) != 1 || g.To[0] != to {
		tb.Errorf("To = %q, want [%s]", g.To, to)
	}
	if g.From != "no-reply@example.com" || g.FromName != "Todo 应用" {
		tb.Errorf("From = %q <%s>, want Todo 应用 <no-reply@example.com>", g.FromName, g.From)
	}
	if normalize(g.Text) != normalize(m.Text) {
		tb.Errorf("Text = %q, want %q", g.Text, m.Text)
	}
	if normalize(g.HTML) != normalize(m.HTML) {
		tb.Errorf("HTML = %q, want %q", g.HTML, m.HTML)
	}
	if !strings.HasSuffix(g.MessageID, "@example.com") {
		tb.Errorf("Message-ID = %q, want one in the From domain", g.MessageID)
	}
	if g.Username != user {
		tb.Errorf("authenticated as %q, want %q", g.Username, user)
	}
}

// normalize makes line ends LF and drops the final ones, which SMTP and
// MIME may add.
func normalize(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// mailTo is chineseMail sent to a distinct address, so subtests sharing a
// Mailpit do not see each other's mail.
func mailTo(addr string) todo.Mail {
	m := chineseMail
	m.To = "李雷 <" + addr + ">"
	return m
}

func TestSMTPPlain(t *testing.T) {
	mp := mailpittest.Start(t)

	t.Run("delivers UTF-8 text and HTML", func(t *testing.T) {
		m := mailTo("plain@example.com")
		if err := mustNewSMTP(t, mp, SecurityNone, "", "").Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
		checkDelivered(t, mp, m, "")
	})

	t.Run("text only", func(t *testing.T) {
		m := todo.Mail{To: "text-only@example.com", Subject: "Hello", Text: "Line one.\nLine two."}
		if err := mustNewSMTP(t, mp, SecurityNone, "", "").Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
		checkDelivered(t, mp, m, "")
	})

	t.Run("starttls is required, so no plain-text fallback", func(t *testing.T) {
		err := mustNewSMTP(t, mp, SecuritySTARTTLS, "", "").Send(context.Background(), mailTo("downgrade@example.com"))
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("Send = %v, want an error about STARTTLS", err)
		}
		if got := mp.Messages(t, "downgrade@example.com"); len(got) != 0 {
			t.Fatalf("Mailpit got %d mails, want none", len(got))
		}
	})

	t.Run("tls against a plain server fails", func(t *testing.T) {
		err := mustNewSMTP(t, mp, SecurityTLS, "", "").Send(context.Background(), mailTo("plain-tls@example.com"))
		if err == nil || !strings.Contains(err.Error(), "tls handshake") {
			t.Fatalf("Send = %v, want a TLS handshake error", err)
		}
	})

	t.Run("credentials but the server offers no AUTH", func(t *testing.T) {
		err := mustNewSMTP(t, mp, SecurityNone, "alice", "pw").Send(context.Background(), mailTo("noauth@example.com"))
		if err == nil {
			t.Fatal("Send = nil, want an error rather than sending unauthenticated")
		}
	})
}

func TestSMTPPlainAuth(t *testing.T) {
	mp := mailpittest.StartWith(t, mailpittest.Options{Users: map[string]string{"alice": "s3cret-密码"}})

	tests := []struct {
		name, user, password string
		ok                   bool
	}{
		{name: "right password", user: "alice", password: "s3cret-密码", ok: true},
		{name: "wrong password", user: "alice", password: "wrong"},
		{name: "unknown user", user: "mallory", password: "s3cret-密码"},
		{name: "no credentials, auth required", user: "", password: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := strings.NewReplacer(" ", "-", ",", "").Replace(tt.name) + "@example.com"
			err := mustNewSMTP(t, mp, SecurityNone, tt.user, tt.password).Send(context.Background(), mailTo(to))
			if !tt.ok {
				if err == nil || !strings.HasPrefix(err.Error(), "mail: smtp: ") {
					t.Fatalf("Send = %v, want a mail: smtp: error", err)
				}
				if got := mp.Messages(t, to); len(got) != 0 {
					t.Fatalf("Mailpit got %d mails, want none", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			checkDelivered(t, mp, mailTo(to), tt.user)
		})
	}
}

func TestSMTPSTARTTLS(t *testing.T) {
	mp := mailpittest.StartWith(t, mailpittest.Options{
		RequireSTARTTLS: true,
		Users:           map[string]string{"bob": "hunter2"},
	})

	t.Run("delivers with auth over STARTTLS", func(t *testing.T) {
		m := mailTo("starttls@example.com")
		if err := mustNewSMTP(t, mp, SecuritySTARTTLS, "bob", "hunter2").Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
		checkDelivered(t, mp, m, "bob")
	})

	t.Run("default security is starttls", func(t *testing.T) {
		m := mailTo("default@example.com")
		if err := mustNewSMTP(t, mp, "", "bob", "hunter2").Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
		checkDelivered(t, mp, m, "bob")
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		s, err := NewSMTP(SMTPConfig{Host: mp.SMTPHost, Port: mp.SMTPPort, Username: "bob", Password: "hunter2",
			From: "no-reply@example.com", Timeout: 5 * time.Second}) // system roots only
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), mailTo("untrusted@example.com"))
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("Send = %v, want one wrapping x509.UnknownAuthorityError", err)
		}
	})

	t.Run("certificate for another name", func(t *testing.T) {
		s, err := NewSMTP(SMTPConfig{Host: mp.SMTPHost, Port: mp.SMTPPort, Username: "bob", Password: "hunter2",
			From: "no-reply@example.com", Timeout: 5 * time.Second,
			TLSConfig: &tls.Config{RootCAs: mp.RootCAs, ServerName: "smtp.example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), mailTo("wrong-name@example.com"))
		var invalid x509.HostnameError
		if !errors.As(err, &invalid) {
			t.Fatalf("Send = %v, want one wrapping x509.HostnameError", err)
		}
	})
}

func TestSMTPImplicitTLS(t *testing.T) {
	mp := mailpittest.StartWith(t, mailpittest.Options{ImplicitTLS: true, Users: map[string]string{"carol": "pw"}})

	m := mailTo("tls@example.com")
	if err := mustNewSMTP(t, mp, SecurityTLS, "carol", "pw").Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivered(t, mp, m, "carol")

	t.Run("starttls against a TLS port fails", func(t *testing.T) {
		s := mustNewSMTP(t, mp, SecuritySTARTTLS, "carol", "pw")
		s.cfg.Timeout = 500 * time.Millisecond // the server waits for a TLS hello that never comes
		if err := s.Send(context.Background(), mailTo("mismatch@example.com")); err == nil {
			t.Fatal("Send = nil, want an error")
		}
	})
}

// stallServer accepts connections and then stops answering, like a server
// that hangs. With greet false it never says a word; with greet true it
// sends the SMTP greeting, reads the client's first command (EHLO) and
// stalls there, so the client is known to be past dialing. Each connection
// is sent on the returned channel once the server has stalled.
func stallServer(tb testing.TB, greet bool) (port int, stalled <-chan net.Conn) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ch := make(chan net.Conn, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if greet {
				_, _ = c.Write([]byte("220 stall.example.com ESMTP\r\n"))
				_, _ = bufio.NewReader(c).ReadString('\n')
			}
			select {
			case ch <- c:
			default:
				_ = c.Close()
			}
		}
	}()
	tb.Cleanup(func() {
		_ = l.Close()
		<-done
		close(ch)
		for c := range ch {
			_ = c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port, ch
}

// sendAsync runs s.Send in a goroutine and returns its result channel.
func sendAsync(ctx context.Context, s *SMTP, m todo.Mail) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- s.Send(ctx, m) }()
	return ch
}

// result waits for Send's error; guard only keeps a broken Send from
// hanging the test binary.
func result(tb testing.TB, ch <-chan error) error {
	tb.Helper()
	const guard = 30 * time.Second
	select {
	case err := <-ch:
		return err
	case <-time.After(guard):
		tb.Fatalf("Send still running after %v", guard)
		return nil
	}
}

func TestSMTPFailures(t *testing.T) {
	newSender := func(t *testing.T, port int, timeout time.Duration) *SMTP {
		t.Helper()
		s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, Security: SecurityNone, From: "no-reply@example.com", Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	m := todo.Mail{To: "a@example.com", Subject: "s", Text: "t"}

	t.Run("closed port", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		err = result(t, sendAsync(context.Background(), newSender(t, port, 2*time.Second), m))
		var opErr *net.OpError
		if !errors.As(err, &opErr) || !strings.HasPrefix(err.Error(), "mail: smtp: send via 127.0.0.1:") {
			t.Fatalf("Send = %v, want a mail: smtp: error wrapping a *net.OpError", err)
		}
	})

	t.Run("silent server hits the timeout", func(t *testing.T) {
		port, _ := stallServer(t, false)
		err := result(t, sendAsync(context.Background(), newSender(t, port, 200*time.Millisecond), m))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Send = %v, want one wrapping os.ErrDeadlineExceeded", err)
		}
	})

	t.Run("cancel while the server stalls", func(t *testing.T) {
		port, stalled := stallServer(t, true)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := sendAsync(ctx, newSender(t, port, time.Hour), m) // only ctx can end it
		select {
		case <-stalled: // Send has dialed and waits for the EHLO reply
		case err := <-done:
			t.Fatalf("Send returned %v before the server accepted", err)
		}
		cancel()
		err := result(t, done)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want one wrapping context.Canceled", err)
		}
	})

	t.Run("ctx deadline while the server stalls", func(t *testing.T) {
		port, _ := stallServer(t, true)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := result(t, sendAsync(ctx, newSender(t, port, time.Hour), m))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send = %v, want one wrapping context.DeadlineExceeded", err)
		}
	})

	t.Run("already canceled: no connection", func(t *testing.T) {
		port, accepted := stallServer(t, false)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := result(t, sendAsync(ctx, newSender(t, port, time.Hour), m))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want one wrapping context.Canceled", err)
		}
		select {
		case <-accepted:
			t.Fatal("Send connected despite a canceled context")
		default:
		}
	})

	t.Run("invalid mail: no connection", func(t *testing.T) {
		port, accepted := stallServer(t, false)
		err := result(t, sendAsync(context.Background(), newSender(t, port, time.Hour), todo.Mail{To: "nobody", Subject: "s"}))
		if err == nil || !strings.HasPrefix(err.Error(), "mail: build message: ") {
			t.Fatalf("Send = %v, want a mail: build message: error", err)
		}
		select {
		case <-accepted:
			t.Fatal("Send connected for an invalid mail")
		default:
		}
	})
}

func TestNewSMTP(t *testing.T) {
	valid := SMTPConfig{Host: "smtp.example.com", From: "Todo <no-reply@example.com>"}
	tests := []struct {
		name   string
		change func(*SMTPConfig)
		// bad lists the fields the error must name; none means valid.
		bad []string
		// port and security are the values after defaults, for valid configs.
		port     int
		security string
	}{
		{name: "minimal: starttls on 587", change: func(*SMTPConfig) {}, port: 587, security: SecuritySTARTTLS},
		{name: "tls defaults to 465", change: func(c *SMTPConfig) { c.Security = "TLS" }, port: 465, security: SecurityTLS},
		{name: "none defaults to 25", change: func(c *SMTPConfig) { c.Security = "none" }, port: 25, security: SecurityNone},
		{name: "explicit port", change: func(c *SMTPConfig) { c.Port = 2525 }, port: 2525, security: SecuritySTARTTLS},
		{name: "IPv6 host", change: func(c *SMTPConfig) { c.Host = "::1" }, port: 587, security: SecuritySTARTTLS},
		{name: "auth over none to loopback", change: func(c *SMTPConfig) {
			c.Host, c.Security, c.Username, c.Password = "127.0.0.1", "none", "u", "p"
		}, port: 25, security: SecurityNone},
		{name: "empty host", change: func(c *SMTPConfig) { c.Host = " " }, bad: []string{"Host"}},
		{name: "host with port", change: func(c *SMTPConfig) { c.Host = "smtp.example.com:25" }, bad: []string{"Host"}},
		{name: "port too high", change: func(c *SMTPConfig) { c.Port = 70000 }, bad: []string{"Port"}},
		{name: "negative port", change: func(c *SMTPConfig) { c.Port = -1 }, bad: []string{"Port"}},
		{name: "unknown security", change: func(c *SMTPConfig) { c.Security = "ssl" }, bad: []string{"Security"}},
		{name: "password without user", change: func(c *SMTPConfig) { c.Password = "p" }, bad: []string{"Username"}},
		{name: "auth over none to a remote host", change: func(c *SMTPConfig) {
			c.Security, c.Username, c.Password = "none", "u", "p"
		}, bad: []string{"Security"}},
		{name: "empty from", change: func(c *SMTPConfig) { c.From = "" }, bad: []string{"From"}},
		{name: "bad from", change: func(c *SMTPConfig) { c.From = "Todo <no-reply>" }, bad: []string{"From"}},
		{name: "header injection in from", change: func(c *SMTPConfig) { c.From = "a@example.com\r\nBcc: b@example.com" }, bad: []string{"From"}},
		{name: "negative timeout", change: func(c *SMTPConfig) { c.Timeout = -time.Second }, bad: []string{"Timeout"}},
		{name: "every field at once", change: func(c *SMTPConfig) {
			*c = SMTPConfig{Port: 99999, Security: "x", Password: "p", Timeout: -1}
		}, bad: []string{"Host", "Port", "Security", "Username", "From", "Timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			s, err := NewSMTP(cfg)
			if len(tt.bad) == 0 {
				if err != nil {
					t.Fatalf("NewSMTP: %v", err)
				}
				if s.cfg.Port != tt.port || s.cfg.Security != tt.security || s.cfg.Timeout != DefaultTimeout {
					t.Errorf("port, security, timeout = %d, %q, %v; want %d, %q, %v", s.cfg.Port, s.cfg.Security, s.cfg.Timeout, tt.port, tt.security, DefaultTimeout)
				}
				if s.tls.ServerName != cfg.Host || s.tls.MinVersion != tls.VersionTLS12 {
					t.Errorf("TLS ServerName, MinVersion = %q, %x; want %q, TLS 1.2", s.tls.ServerName, s.tls.MinVersion, cfg.Host)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewSMTP = nil error, want one naming %q", tt.bad)
			}
			for _, f := range tt.bad {
				if !strings.Contains(err.Error(), "mail: smtp config: "+f+": ") {
					t.Errorf("error does not name %s:\n%v", f, err)
				}
			}
			if n := strings.Count(err.Error(), "mail: smtp config: "); n != len(tt.bad) {
				t.Errorf("error names %d problems, want %d:\n%v", n, len(tt.bad), err)
			}
		})
	}

	t.Run("TLSConfig is copied, not changed", func(t *testing.T) {
		mine := &tls.Config{ServerName: "", MinVersion: 0}
		cfg := valid
		cfg.TLSConfig = mine
		s, err := NewSMTP(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if mine.ServerName != "" || mine.MinVersion != 0 || s.tls == mine {
			t.Errorf("NewSMTP changed the caller's tls.Config: %+v", mine)
		}
	})
}

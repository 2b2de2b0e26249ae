package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/todofn/todofn/pkg/todo"
)

var _ todo.MailSender = (*SMTP)(nil)

// Values of SMTPConfig.Security.
const (
	// SecuritySTARTTLS connects in plain text and requires the server to
	// upgrade the connection with STARTTLS before anything else is sent.
	SecuritySTARTTLS = "starttls"
	// SecurityTLS speaks TLS from the first byte (implicit TLS, "SMTPS").
	SecurityTLS = "tls"
	// SecurityNone sends everything in plain text. Use it only with a local
	// test server such as Mailpit.
	SecurityNone = "none"
)

// DefaultTimeout is the SMTPConfig.Timeout used when it is zero.
const DefaultTimeout = 15 * time.Second

// SMTPConfig configures an SMTP sender.
type SMTPConfig struct {
	Host string // server name or IP address; required
	// Port is the server's port; 0 means the usual port of Security:
	// 587 for starttls, 465 for tls, 25 for none.
	Port     int
	Username string // empty: no authentication
	Password string
	// Security is "starttls" (the default when empty: STARTTLS is
	// required), "tls" (implicit TLS, usually port 465) or "none" (plain
	// text, only for a local test server; credentials are refused unless
	// Host is a loopback address).
	Security string
	From     string // the From address, such as "Todo <no-reply@example.com>"
	// Timeout bounds each of the two phases of a delivery: connecting
	// (dial, greeting, TLS, authentication) and transmitting the message,
	// so a Send that ctx does not end lasts at most about twice Timeout.
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// TLSConfig, if set, is used for TLS (for example with RootCAs for a
	// private CA or a test server). Its ServerName defaults to Host and its
	// MinVersion to TLS 1.2. Nil means the system roots.
	TLSConfig *tls.Config
}

// SMTP is a todo.MailSender that delivers through an SMTP server with
// go-mail's client. Each Send opens its own connection, so an SMTP is safe
// for concurrent use and holds nothing open between mails.
type SMTP struct {
	cfg  SMTPConfig
	from *netmail.Address
	tls  *tls.Config
	now  func() time.Time
}

// NewSMTP checks cfg and returns a sender; it does not connect. The error
// names every invalid field.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("mail: smtp config: %s: %s", field, fmt.Sprintf(format, args...)))
	}

	cfg.Security = strings.ToLower(strings.TrimSpace(cfg.Security))
	if cfg.Security == "" {
		cfg.Security = SecuritySTARTTLS
	}
	defaultPort, ok := map[string]int{SecuritySTARTTLS: 587, SecurityTLS: 465, SecurityNone: 25}[cfg.Security]
	if !ok {
		bad("Security", "%q is not one of starttls, tls, none", cfg.Security)
	}

	switch {
	case strings.TrimSpace(cfg.Host) == "":
		bad("Host", "must not be empty")
	case strings.ContainsAny(cfg.Host, " \t\r\n/:") && net.ParseIP(cfg.Host) == nil:
		bad("Host", "%q is not a host name or IP address", cfg.Host)
	}

	switch {
	case cfg.Port == 0:
		cfg.Port = defaultPort // stays 0 if Security is invalid, reported above
	case cfg.Port < 1 || cfg.Port > 65535:
		bad("Port", "%d is not between 1 and 65535", cfg.Port)
	}

	if cfg.Username == "" && cfg.Password != "" {
		bad("Username", "must be set when Password is set")
	}
	if hasControl(cfg.Username) {
		bad("Username", "must not contain control characters")
	}
	if cfg.Username != "" && cfg.Security == SecurityNone && !isLoopback(cfg.Host) {
		bad("Security", "none would send the password in plain text to %s; use starttls or tls", cfg.Host)
	}

	from, err := parseFrom(cfg.From)
	if err != nil {
		bad("From", "%v", err)
	}

	if cfg.Timeout < 0 {
		bad("Timeout", "%v is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	return &SMTP{cfg: cfg, from: from, tls: tc, now: time.Now}, nil
}

// Send delivers m over a new connection and closes it. It returns nil once
// the server has accepted the message. It returns an error, wrapping the
// cause, if the message is invalid, the server cannot be reached, TLS or
// authentication fails, or the server rejects the mail; the caller may
// retry, except after a *RejectedError (a 5xx to RCPT or DATA: the server
// will never take this mail). Send is bounded by the configured Timeout (see SMTPConfig), and
// when ctx is done it aborts the connection at once and returns an error
// that wraps ctx.Err().
func (s *SMTP) Send(ctx context.Context, m todo.Mail) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: smtp: send: %w", err)
	}
	msg, err := newMsg(s.from, m, s.now())
	if err != nil {
		return err
	}

	d := &ctxDialer{ctx: ctx, tls: s.tls, implicitTLS: s.cfg.Security == SecurityTLS}
	defer d.release()
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.tls),
		gomail.WithDialContextFunc(d.dial),
	}
	switch s.cfg.Security {
	case SecuritySTARTTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		// Implicit TLS is done by ctxDialer, so go-mail must not try
		// STARTTLS on top of it; "none" wants no TLS at all.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts,
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password),
			gomail.WithOpportunisticSMTPAuth(s.authMechs()...),
		)
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: smtp: client: %w", err)
	}

	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() {
			// The server accepted the message (250 after DATA); only
			// closing the session failed. The mail is out: reporting an
			// error would have it sent again.
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("mail: smtp: send via %s: %w (%w)", addr, cerr, err)
		}
		if rej := rejection(err); rej != nil {
			return fmt.Errorf("mail: smtp: send via %s: %w", addr, rej)
		}
		return fmt.Errorf("mail: smtp: send via %s: %w", addr, err)
	}
	return nil
}

// authMechs lists the SASL mechanisms to use, best first. PLAIN and LOGIN
// over a plain connection are offered only with Security "none", which
// NewSMTP allows with credentials only for a loopback host. If the server
// offers none of them, go-mail falls back to any challenge-response
// mechanism it supports; if it offers no AUTH at all, Send fails rather
// than send unauthenticated.
func (s *SMTP) authMechs() []gomail.SMTPAuthType {
	if s.cfg.Security == SecurityNone {
		return []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc, gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthCramMD5}
	}
	return []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin, gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthCramMD5}
}

// ctxDialer opens the connection for one delivery. go-mail honours a
// context only while dialing, so ctxDialer closes the connection when the
// delivery's context is done, which aborts any read or write in progress.
// For implicit TLS it also does the handshake, returning the *tls.Conn
// itself so that go-mail's SMTP client sees an encrypted connection.
type ctxDialer struct {
	ctx         context.Context
	tls         *tls.Config
	implicitTLS bool

	mu    sync.Mutex
	stops []func() bool
}

func (d *ctxDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if d.implicitTLS {
		tc := tls.Client(conn, d.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		conn = tc
	}
	stop := context.AfterFunc(d.ctx, func() { _ = conn.Close() })
	d.mu.Lock()
	d.stops = append(d.stops, stop)
	d.mu.Unlock()
	return conn, nil
}

// release stops watching the context once the delivery is over.
func (d *ctxDialer) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, stop := range d.stops {
		stop()
	}
	d.stops = nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

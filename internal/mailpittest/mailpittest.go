// Package mailpittest runs a real Mailpit (https://mailpit.axllent.org) for
// tests: an SMTP server that keeps every mail it receives and shows it
// through an HTTP API. Start runs one on free 127.0.0.1 ports for a test
// and stops it when the test ends; Messages and WaitFor read the mail back.
//
// The process is internal/devstack's StartMailpit; this package adds the
// test's life cycle, TLS and users, and reading mail back. When mailpit is
// missing, Start skips the test, or fails it if the environment variable
// TODOFN_REQUIRE_SERVICES is "1" (as in CI and make test). Install it with
// devstack.MailpitInstall (scripts/install-tools.sh does).
package mailpittest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/proctest"
)

// InstallHint is the command that installs the Mailpit version the tests
// are written against.
const InstallHint = devstack.MailpitInstall

// Options configures the Mailpit that StartWith runs. The zero value is a
// plain SMTP server without TLS or authentication.
type Options struct {
	// Users, if not empty, are the only accepted SMTP credentials
	// (user name to password) and authentication becomes required. Without
	// TLS, Mailpit is told to accept PLAIN and LOGIN over plain text. Names
	// and passwords must not contain white space, nor names a colon.
	Users map[string]string
	// TLS gives the SMTP server a fresh self-signed certificate for
	// 127.0.0.1 and localhost, trusted by Mailpit.RootCAs, and offers
	// STARTTLS.
	TLS bool
	// RequireSTARTTLS makes the server refuse mail until the client has
	// used STARTTLS. It implies TLS.
	RequireSTARTTLS bool
	// ImplicitTLS makes the server speak TLS from the first byte (as on
	// port 465) instead of offering STARTTLS. It implies TLS.
	ImplicitTLS bool
}

// Mailpit is a running Mailpit.
type Mailpit struct {
	SMTPHost string // always 127.0.0.1
	SMTPPort int
	APIURL   string // base URL of the web UI and API, such as http://127.0.0.1:PORT
	// RootCAs trusts the SMTP server's certificate; nil without TLS.
	RootCAs *x509.CertPool

	client *http.Client
}

// Message is one mail as Mailpit received it.
type Message struct {
	ID        string   // Mailpit's database ID
	MessageID string   // the Message-ID header, without angle brackets
	From      string   // the From address, without the display name
	FromName  string   // the From display name, decoded
	To        []string // the To addresses
	Subject   string   // decoded
	Text      string   // the text/plain body, decoded
	HTML      string   // the text/html body, decoded
	Username  string   // the SMTP user that sent it, if it authenticated
	Date      time.Time
}

// Binary returns the path of the mailpit binary (devstack.LookBinary): the
// one on PATH, else in $GOPATH/bin, else in $HOME/go/bin. It reports false
// if there is none.
func Binary() (string, bool) { return devstack.LookBinary("mailpit") }

// Start runs a plain Mailpit (no TLS, no authentication) for the test; see
// StartWith.
func Start(tb testing.TB) *Mailpit {
	tb.Helper()
	return StartWith(tb, Options{})
}

// StartWith runs a Mailpit configured by opts on free 127.0.0.1 ports,
// with its database in a temporary folder, waits until it is ready, and
// stops it in tb.Cleanup. It skips the test if there is no mailpit binary
// (fails it when TODOFN_REQUIRE_SERVICES=1) and fails it if Mailpit does
// not start.
func StartWith(tb testing.TB, opts Options) *Mailpit {
	tb.Helper()
	dir := tb.TempDir() // created before the cleanup below, so removed after Mailpit stops

	var args []string
	mp := &Mailpit{SMTPHost: "127.0.0.1", client: &http.Client{Timeout: 10 * time.Second}}
	if opts.RequireSTARTTLS || opts.ImplicitTLS {
		opts.TLS = true
	}
	if opts.TLS {
		certFile, keyFile, pool := writeCert(tb, dir)
		mp.RootCAs = pool
		args = append(args, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile)
		if opts.ImplicitTLS {
			args = append(args, "--smtp-require-tls")
		} else if opts.RequireSTARTTLS {
			args = append(args, "--smtp-require-starttls")
		}
	}
	if len(opts.Users) > 0 {
		var b strings.Builder
		for _, u := range slices.Sorted(maps.Keys(opts.Users)) {
			// Mailpit splits its password file on any white space, then
			// reads each word as an htpasswd entry; "user:password" is the
			// plain-text form.
			if u == "" || strings.ContainsRune(u, ':') || strings.IndexFunc(u+opts.Users[u], unicode.IsSpace) >= 0 {
				tb.Fatalf("mailpittest: user %q: Mailpit needs a non-empty user name without ':' and no white space in either name or password", u)
			}
			fmt.Fprintf(&b, "%s:%s\n", u, opts.Users[u])
		}
		authFile := filepath.Join(dir, "smtp-users")
		if err := os.WriteFile(authFile, []byte(b.String()), 0o600); err != nil {
			tb.Fatalf("mailpittest: %v", err)
		}
		args = append(args, "--smtp-auth-file", authFile)
		if !opts.TLS {
			args = append(args, "--smtp-auth-allow-insecure")
		}
	}

	p, err := devstack.StartMailpit(context.Background(), devstack.MailpitOptions{Dir: dir, Args: args})
	proctest.Need(tb, err)
	tb.Cleanup(func() {
		p.Stop()
		if tb.Failed() {
			tb.Logf("mailpit output:\n%s", p.Output())
		}
	})
	mp.SMTPPort, mp.APIURL = p.SMTPPort, p.APIURL
	return mp
}

// Messages returns the messages Mailpit holds that have to among their To
// addresses (compared case-insensitively), oldest first. An empty to
// returns every message. It fails the test if the API does not answer.
func (mp *Mailpit) Messages(tb testing.TB, to string) []Message {
	tb.Helper()
	msgs, err := mp.messages(to)
	if err != nil {
		tb.Fatalf("mailpittest: %v", err)
	}
	return msgs
}

// WaitFor polls Mailpit until it holds at least n messages for to and
// returns them, oldest first. It fails the test if they have not arrived
// within timeout.
func (mp *Mailpit) WaitFor(tb testing.TB, to string, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := mp.messages(to)
		if err != nil {
			tb.Fatalf("mailpittest: %v", err)
		}
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			tb.Fatalf("mailpittest: %d of %d messages for %q arrived within %v", len(msgs), n, to, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// apiAddress is an address as Mailpit's API reports it.
type apiAddress struct {
	Name    string
	Address string
}

// apiMessage is the subset of Mailpit's message JSON that Message holds.
type apiMessage struct {
	ID        string
	MessageID string
	From      *apiAddress
	To        []apiAddress
	Subject   string
	Text      string
	HTML      string
	Username  string
	Date      time.Time
}

func (mp *Mailpit) messages(to string) ([]Message, error) {
	// GET /api/v1/messages lists summaries, newest first, in pages. A
	// message that arrives between two pages pushes the older ones down by
	// one, so the next page can repeat the last one: each ID counts once.
	var ids []string
	seen := map[string]bool{}
	for start := 0; ; {
		var page struct {
			MessagesCount int `json:"messages_count"`
			Messages      []apiMessage
		}
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {"200"}}
		if err := mp.getJSON("/api/v1/messages?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		for _, m := range page.Messages {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			if to == "" || slices.ContainsFunc(m.To, func(a apiAddress) bool { return strings.EqualFold(a.Address, to) }) {
				ids = append(ids, m.ID)
			}
		}
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.MessagesCount {
			break
		}
	}
	slices.Reverse(ids)

	msgs := make([]Message, 0, len(ids))
	for _, id := range ids {
		var m apiMessage
		if err := mp.getJSON("/api/v1/message/"+url.PathEscape(id), &m); err != nil {
			return nil, err
		}
		msg := Message{ID: m.ID, MessageID: m.MessageID, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Username: m.Username, Date: m.Date}
		if m.From != nil {
			msg.From, msg.FromName = m.From.Address, m.From.Name
		}
		for _, a := range m.To {
			msg.To = append(msg.To, a.Address)
		}
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

func (mp *Mailpit) getJSON(path string, v any) error {
	resp, err := mp.client.Get(mp.APIURL + path)
	if err != nil {
		return fmt.Errorf("mailpit api: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return fmt.Errorf("mailpit api: GET %s: %s: %s", path, resp.Status, strings.TrimSpace(b.String()))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("mailpit api: GET %s: decode: %w", path, err)
	}
	return nil
}

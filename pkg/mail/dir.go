package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

var _ todo.MailSender = (*Dir)(nil)

// Dir is a todo.MailSender that delivers nothing: it writes each mail as an
// RFC 5322 .eml file (UTF-8; text/plain, and multipart/alternative with a
// text/html part when the mail has HTML) into a folder, where any mail
// client can open it. File names sort by the time of sending, such as
// 20261127T101500.123Z-01JDA3XKQ8ZB5W1S.eml; names from one Dir sort in
// sending order even within one millisecond.
//
// A Dir is safe for concurrent use. Several Dirs (or processes) may share a
// folder: every name has 80 random bits, and each file appears complete,
// under its final name, in one rename.
type Dir struct {
	path string
	from *netmail.Address
	echo io.Writer

	// now is the clock; tests replace it.
	now func() time.Time

	mu      sync.Mutex // guards entropy and writes to echo
	entropy *ulid.MonotonicEntropy
}

// NewDir returns a Dir that writes into path, creating the folder (mode
// 0700) if it is missing, with from (such as "Todo <no-reply@example.com>")
// as the From address. When echo is non-nil, Send also writes a short block
// to it for each mail:
//
//	mail to <to>: <subject>
//	<text body, without its final line breaks>
//	(saved to <file>)
func NewDir(path, from string, echo io.Writer) (*Dir, error) {
	if path == "" {
		return nil, errors.New("mail: dir: path is empty")
	}
	a, err := parseFrom(from)
	if err != nil {
		return nil, fmt.Errorf("mail: dir: from: %w", err)
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("mail: dir: create %s: %w", path, err)
	}
	return &Dir{
		path:    path,
		from:    a,
		echo:    echo,
		now:     time.Now,
		entropy: ulid.Monotonic(rand.Reader, 0),
	}, nil
}

// Path returns the folder the mails are written to.
func (d *Dir) Path() string { return d.path }

// Send writes m into the folder and, if the Dir has an echo writer, the
// block described at NewDir. It returns ctx's error without writing if ctx
// is done, and an error if the message is invalid or the file cannot be
// written; no partial file is left behind.
func (d *Dir) Send(ctx context.Context, m todo.Mail) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: dir: send: %w", err)
	}
	now := d.now().UTC()
	msg, err := newMsg(d.from, m, now)
	if err != nil {
		return err
	}
	name, err := d.fileName(now)
	if err != nil {
		return err
	}
	path := filepath.Join(d.path, name)

	f, err := os.CreateTemp(d.path, ".eml-*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("mail: dir: send: %w", err)
	}
	_, err = msg.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("mail: dir: write %s: %w", path, err)
	}

	if d.echo != nil {
		d.mu.Lock()
		_, err = fmt.Fprintf(d.echo, "mail to %s: %s\n%s\n(saved to %s)\n", m.To, m.Subject, strings.TrimRight(m.Text, "\r\n"), path)
		d.mu.Unlock()
		if err != nil {
			return fmt.Errorf("mail: dir: echo: %w", err)
		}
	}
	return nil
}

// fileName returns a name that sorts by t and, within one millisecond, by
// the order of calls: the time in UTC, then the random part of a monotonic
// ULID.
func (d *Dir) fileName(t time.Time) (string, error) {
	d.mu.Lock()
	id, err := ulid.New(ulid.Timestamp(t), d.entropy)
	d.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("mail: dir: file name: %w", err)
	}
	return t.Format("20060102T150405.000Z") + "-" + id.String()[10:] + ".eml", nil
}

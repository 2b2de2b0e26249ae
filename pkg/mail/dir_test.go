package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// chineseMail is a mail whose subject, text and HTML are not ASCII, with a
// long line that must be wrapped by the transfer encoding.
var chineseMail = todo.Mail{
	To:      "李雷 <li.lei@example.com>",
	Subject: "您的验证码：123456",
	Text:    "你好，李雷！\n\n您的验证码是 123456，十分钟内有效。" + strings.Repeat("很长的一行", 40) + "\n",
	HTML:    `<p>你好，李雷！</p><p>您的验证码是 <b>123456</b>，十分钟内有效。</p>`,
}

// fixedClock returns a clock that reports each of times in turn, then the
// last one again.
func fixedClock(times ...time.Time) func() time.Time {
	return func() time.Time {
		t := times[0]
		if len(times) > 1 {
			times = times[1:]
		}
		return t
	}
}

// mustNewDir returns a Dir on a fresh folder with the given clock.
func mustNewDir(tb testing.TB, echo io.Writer, clock func() time.Time) *Dir {
	tb.Helper()
	d, err := NewDir(filepath.Join(tb.TempDir(), "mail", "out"), "Todo 应用 <no-reply@example.com>", echo)
	if err != nil {
		tb.Fatalf("NewDir: %v", err)
	}
	if clock != nil {
		d.now = clock
	}
	return d
}

// emlFiles returns the names of the .eml files in dir, sorted, and fails
// if anything else is there.
func emlFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			tb.Errorf("unexpected file %q in the mail folder", e.Name())
			continue
		}
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// readEML parses one .eml file with net/mail.
func readEML(tb testing.TB, path string) *netmail.Message {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("parse %s: %v\n%s", path, err, b)
	}
	return msg
}

// decodedPart is one MIME part with its body decoded.
type decodedPart struct {
	mediaType, charset, encoding, body string
}

// readPart decodes one MIME entity's body by its Content-Transfer-Encoding
// and checks the encoding is one a mail client must handle.
func readPart(tb testing.TB, header map[string][]string, body io.Reader) decodedPart {
	tb.Helper()
	h := netmail.Header(header)
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		tb.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	p := decodedPart{mediaType: mt, charset: strings.ToUpper(params["charset"]), encoding: strings.ToLower(h.Get("Content-Transfer-Encoding"))}
	var r io.Reader
	switch p.encoding {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		tb.Fatalf("unexpected base64 part; the test decodes quoted-printable")
	default:
		tb.Fatalf("Content-Transfer-Encoding = %q, want quoted-printable", p.encoding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("decode %s part: %v", mt, err)
	}
	p.body = strings.ReplaceAll(string(b), "\r\n", "\n")
	return p
}

// checkLines fails if a line of the raw message is longer than RFC 5322
// allows or holds a byte that is not 7-bit ASCII.
func checkLines(tb testing.TB, raw []byte) {
	tb.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			tb.Errorf("line %d is %d bytes long, over 998", i+1, len(line))
		}
		for _, c := range line {
			if c >= 0x80 || c == '\n' || c == '\r' {
				tb.Errorf("line %d holds byte %#x; the message should be 7-bit with CRLF line ends", i+1, c)
				break
			}
		}
	}
}

func TestDirSendWritesMultipartEML(t *testing.T) {
	sent := time.Date(2026, 11, 27, 10, 15, 0, 123_000_000, time.FixedZone("CST", 8*3600))
	var echo bytes.Buffer
	d := mustNewDir(t, &echo, fixedClock(sent))
	if err := d.Send(context.Background(), chineseMail); err != nil {
		t.Fatalf("Send: %v", err)
	}

	names := emlFiles(t, d.Path())
	if len(names) != 1 {
		t.Fatalf("files = %q, want one .eml", names)
	}
	path := filepath.Join(d.Path(), names[0])
	if !strings.HasPrefix(names[0], "20261127T021500.123Z-") {
		t.Errorf("file name %q, want it to start with the UTC time 20261127T021500.123Z-", names[0])
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, raw)

	msg := readEML(t, path)
	var dec mime.WordDecoder
	t.Run("headers", func(t *testing.T) {
		from, err := msg.Header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Name != "Todo 应用" || from[0].Address != "no-reply@example.com" {
			t.Errorf("From = %v, %v; want Todo 应用 <no-reply@example.com>", from, err)
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != "李雷" || to[0].Address != "li.lei@example.com" {
			t.Errorf("To = %v, %v; want 李雷 <li.lei@example.com>", to, err)
		}
		rawSubject := msg.Header.Get("Subject")
		if !strings.HasPrefix(rawSubject, "=?UTF-8?") {
			t.Errorf("raw Subject %q is not an RFC 2047 encoded word", rawSubject)
		}
		if s, err := dec.DecodeHeader(rawSubject); err != nil || s != chineseMail.Subject {
			t.Errorf("Subject decodes to %q, %v; want %q", s, err, chineseMail.Subject)
		}
		if date, err := msg.Header.Date(); err != nil || !date.Equal(sent.Truncate(time.Second)) {
			t.Errorf("Date = %v, %v; want %v", date, err, sent.Truncate(time.Second))
		}
		if id := msg.Header.Get("Message-Id"); !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(id) {
			t.Errorf("Message-ID = %q, want <32 hex digits@example.com>", id)
		}
		if v := msg.Header.Get("Mime-Version"); v != "1.0" {
			t.Errorf("MIME-Version = %q, want 1.0", v)
		}
	})

	t.Run("parts", func(t *testing.T) {
		mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/alternative" || params["boundary"] == "" {
			t.Fatalf("Content-Type = %q, %v; want multipart/alternative with a boundary", msg.Header.Get("Content-Type"), err)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		var parts []decodedPart
		for {
			p, err := mr.NextRawPart() // raw: keep Content-Transfer-Encoding to check it
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("next part: %v", err)
			}
			parts = append(parts, readPart(t, p.Header, p))
		}
		want := []decodedPart{
			{mediaType: "text/plain", charset: "UTF-8", encoding: "quoted-printable", body: chineseMail.Text},
			{mediaType: "text/html", charset: "UTF-8", encoding: "quoted-printable", body: chineseMail.HTML},
		}
		if !slices.Equal(parts, want) {
			t.Errorf("parts =\n%+v\nwant (plain first, the preferred last)\n%+v", parts, want)
		}
	})

	t.Run("echo", func(t *testing.T) {
		want := "mail to 李雷 <li.lei@example.com>: 您的验证码：123456\n" + strings.TrimSuffix(chineseMail.Text, "\n") + "\n(saved to " + path + ")\n"
		if echo.String() != want {
			t.Errorf("echo =\n%q\nwant\n%q", echo.String(), want)
		}
	})
}

func TestDirSendTextOnly(t *testing.T) {
	d := mustNewDir(t, nil, nil)
	m := todo.Mail{To: "bob@example.com", Subject: "Plain ASCII", Text: "Hello Bob.\nLine two.\n"}
	if err := d.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	names := emlFiles(t, d.Path())
	if len(names) != 1 {
		t.Fatalf("files = %q, want one", names)
	}
	msg := readEML(t, filepath.Join(d.Path(), names[0]))
	if got := msg.Header.Get("Subject"); got != m.Subject {
		t.Errorf("Subject = %q, want %q unencoded", got, m.Subject)
	}
	p := readPart(t, msg.Header, msg.Body)
	want := decodedPart{mediaType: "text/plain", charset: "UTF-8", encoding: "quoted-printable", body: m.Text}
	if p != want {
		t.Errorf("body = %+v, want %+v", p, want)
	}
}

func TestDirFileNamesSortBySendingTime(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 23, 59, 59, 998_000_000, time.UTC)
	clock := []time.Time{
		t0,
		t0, // the same millisecond: the monotonic suffix keeps the order
		t0.Add(500 * time.Microsecond),
		t0.Add(time.Millisecond),
		t0.Add(2 * time.Millisecond), // the next day
		t0.Add(2 * time.Millisecond),
	}
	d := mustNewDir(t, nil, fixedClock(clock...))
	for i := range clock {
		m := todo.Mail{To: "a@example.com", Subject: "mail " + string(rune('A'+i)), Text: "x"}
		if err := d.Send(context.Background(), m); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}

	names := emlFiles(t, d.Path())
	if len(names) != len(clock) {
		t.Fatalf("got %d files, want %d", len(names), len(clock))
	}
	pattern := regexp.MustCompile(`^\d{8}T\d{6}\.\d{3}Z-[0-9A-HJKMNP-TV-Z]{16}\.eml$`)
	var subjects []string
	for _, n := range names {
		if !pattern.MatchString(n) {
			t.Errorf("file name %q does not match %v", n, pattern)
		}
		subjects = append(subjects, readEML(t, filepath.Join(d.Path(), n)).Header.Get("Subject"))
	}
	want := []string{"mail A", "mail B", "mail C", "mail D", "mail E", "mail F"}
	if !slices.Equal(subjects, want) {
		t.Errorf("subjects in file-name order = %q, want sending order %q", subjects, want)
	}
	if !strings.HasPrefix(names[4], "20261128T000000.000Z-") {
		t.Errorf("fifth name %q, want it to start with 20261128T000000.000Z-", names[4])
	}
}

func TestDirSendRejects(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ok := todo.Mail{To: "a@example.com", Subject: "s", Text: "t"}
	tests := []struct {
		name string
		ctx  context.Context
		mail todo.Mail
		is   error // the error wraps this, when set
	}{
		{name: "canceled context", ctx: canceled, mail: ok, is: context.Canceled},
		{name: "empty recipient", ctx: context.Background(), mail: todo.Mail{Subject: "s", Text: "t"}},
		{name: "invalid recipient", ctx: context.Background(), mail: todo.Mail{To: "not an address", Subject: "s", Text: "t"}},
		{name: "header injection in subject", ctx: context.Background(), mail: todo.Mail{To: "a@example.com", Subject: "hi\r\nBcc: evil@example.com", Text: "t"}},
		{name: "header injection in recipient", ctx: context.Background(), mail: todo.Mail{To: "a@example.com\r\nBcc: evil@example.com", Subject: "s", Text: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var echo bytes.Buffer
			d := mustNewDir(t, &echo, nil)
			err := d.Send(tt.ctx, tt.mail)
			if err == nil {
				t.Fatal("Send returned nil, want an error")
			}
			if !strings.HasPrefix(err.Error(), "mail: ") {
				t.Errorf("error %q lacks the mail: prefix", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			entries, _ := os.ReadDir(d.Path())
			if len(entries) != 0 || echo.Len() != 0 {
				t.Errorf("left %d files and echo %q, want none", len(entries), echo.String())
			}
		})
	}
}

func TestNewDir(t *testing.T) {
	t.Run("creates the folder 0700", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a", "b")
		if _, err := NewDir(path, "no-reply@example.com", nil); err != nil {
			t.Fatalf("NewDir: %v", err)
		}
		fi, err := os.Stat(path)
		if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Fatalf("folder: %v, %v; want a 0700 directory", fi, err)
		}
	})

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, from, want string
	}{
		{name: "empty path", path: "", from: "a@example.com", want: "path is empty"},
		{name: "empty from", path: t.TempDir(), from: "", want: "from: must not be empty"},
		{name: "bad from", path: t.TempDir(), from: "Todo <nowhere>", want: "from:"},
		{name: "path is a file", path: file, from: "a@example.com", want: "create"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDir(tt.path, tt.from, nil)
			if err == nil || !strings.HasPrefix(err.Error(), "mail: dir: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewDir error = %v, want one starting mail: dir: and containing %q", err, tt.want)
			}
		})
	}
}

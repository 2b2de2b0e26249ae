package mailboxtest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/mail"
	"github.com/todofn/todofn/pkg/todo"
)

var chineseMail = todo.Mail{
	To:      "李雷 <li.lei@example.com>",
	Subject: "您的验证码：123456",
	Text:    "你好，李雷！\n\n您的验证码是 123456，十分钟内有效。" + strings.Repeat("很长的一行", 40) + "\n",
	HTML:    `<p>你好，李雷！</p><p>您的验证码是 <b>123456</b>，十分钟内有效。</p>`,
}

// TestDirReadDirRoundTrip checks that ReadDir (the dev mailbox's reader)
// decodes what Dir writes.
func TestDirReadDirRoundTrip(t *testing.T) {
	d, err := mail.NewDir(filepath.Join(t.TempDir(), "mail"), "Todo 应用 <no-reply@example.com>", nil)
	if err != nil {
		t.Fatalf("NewDir: %v", err)
	}
	second := todo.Mail{To: "bob@example.com", Subject: "Plain", Text: "Hello Bob."}
	for _, m := range []todo.Mail{chineseMail, second} {
		if err := d.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
		// File names sort by the millisecond they were written in.
		time.Sleep(2 * time.Millisecond)
	}

	got, err := ReadDir(d.Path())
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("ReadDir returned %d messages, want 2", len(got))
	}
	tests := []struct {
		name string
		got  Message
		want todo.Mail
		to   string
	}{
		{name: "newest first", got: got[0], want: second, to: "<bob@example.com>"}, // go-mail writes a bare address in angle brackets,
		{name: "UTF-8 multipart", got: got[1], want: chineseMail, to: "李雷 <li.lei@example.com>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.got
			if g.Subject != tt.want.Subject || g.To != tt.to || g.From != "Todo 应用 <no-reply@example.com>" {
				t.Errorf("headers = %q / %q / %q; want %q / %q / Todo 应用 <no-reply@example.com>", g.Subject, g.To, g.From, tt.want.Subject, tt.to)
			}
			if normalize(g.Text) != normalize(tt.want.Text) || normalize(g.HTML) != normalize(tt.want.HTML) {
				t.Errorf("bodies = %q, %q; want %q, %q", g.Text, g.HTML, tt.want.Text, tt.want.HTML)
			}
			if !strings.HasSuffix(g.File, ".eml") || filepath.Base(g.File) != g.File {
				t.Errorf("File = %q, want a base name ending .eml", g.File)
			}
		})
	}

	t.Run("missing folder is empty", func(t *testing.T) {
		msgs, err := ReadDir(filepath.Join(t.TempDir(), "none"))
		if err != nil || len(msgs) != 0 {
			t.Fatalf("ReadDir = %v, %v; want no messages and no error", msgs, err)
		}
	})
}

// normalize makes line ends LF and drops the final ones, which MIME may add.
func normalize(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

package mailpittest_test

import (
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/mailpittest"
)

// TestStart checks the helper on its own, with the standard library's SMTP
// client rather than the code under test in package mail.
func TestStart(t *testing.T) {
	mp := mailpittest.Start(t)
	if mp.SMTPHost != "127.0.0.1" || mp.SMTPPort == 0 || !strings.HasPrefix(mp.APIURL, "http://127.0.0.1:") {
		t.Fatalf("Start() = %+v, want 127.0.0.1 addresses", mp)
	}
	if got := mp.Messages(t, ""); len(got) != 0 {
		t.Fatalf("new Mailpit holds %d messages, want 0", len(got))
	}

	addr := net.JoinHostPort(mp.SMTPHost, strconv.Itoa(mp.SMTPPort))
	send := func(to, subject string) {
		t.Helper()
		body := "From: Sender <sender@example.com>\r\nTo: " + to + "\r\nSubject: " + subject +
			"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nbody of " + subject + "\r\n"
		if err := smtp.SendMail(addr, nil, "sender@example.com", []string{to}, []byte(body)); err != nil {
			t.Fatalf("SendMail: %v", err)
		}
	}
	send("a@example.com", "first")
	send("b@example.com", "other")
	send("A@Example.com", "second")

	tests := []struct {
		name     string
		to       string
		subjects []string
	}{
		{name: "one recipient, oldest first, case-insensitive", to: "a@example.com", subjects: []string{"first", "second"}},
		{name: "other recipient", to: "b@example.com", subjects: []string{"other"}},
		{name: "nobody", to: "c@example.com", subjects: nil},
		{name: "all", to: "", subjects: []string{"first", "other", "second"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mp.Messages(t, tt.to)
			var subjects []string
			for _, m := range got {
				subjects = append(subjects, m.Subject)
				if m.From != "sender@example.com" || m.FromName != "Sender" {
					t.Errorf("From = %q %q, want Sender <sender@example.com>", m.FromName, m.From)
				}
				if want := "body of " + m.Subject; strings.TrimSpace(m.Text) != want {
					t.Errorf("Text = %q, want %q", m.Text, want)
				}
			}
			if strings.Join(subjects, ",") != strings.Join(tt.subjects, ",") {
				t.Errorf("subjects = %q, want %q", subjects, tt.subjects)
			}
		})
	}

	t.Run("WaitFor returns once enough arrived", func(t *testing.T) {
		got := mp.WaitFor(t, "b@example.com", 1, 5*time.Second)
		if len(got) != 1 || got[0].To[0] != "b@example.com" {
			t.Fatalf("WaitFor = %+v, want the one message to b@example.com", got)
		}
	})
}

func TestBinary(t *testing.T) {
	tests := []struct {
		name string
		// put writes a file "mailpit" with this mode into the folder named
		// by where: "path", "gopath" or "home"; "" writes nothing.
		where string
		mode  os.FileMode
		want  string // "" for not found, else the folder it is found in
	}{
		{name: "nowhere", where: ""},
		{name: "on PATH", where: "path", mode: 0o755, want: "path"},
		{name: "in GOPATH/bin", where: "gopath", mode: 0o755, want: "gopath"},
		{name: "in HOME/go/bin", where: "home", mode: 0o755, want: "home"},
		{name: "not executable", where: "gopath", mode: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dirs := map[string]string{"path": t.TempDir(), "gopath": t.TempDir(), "home": t.TempDir()}
			bins := map[string]string{
				"path":   dirs["path"],
				"gopath": filepath.Join(dirs["gopath"], "bin"),
				"home":   filepath.Join(dirs["home"], "go", "bin"),
			}
			t.Setenv("PATH", dirs["path"])
			t.Setenv("GOPATH", dirs["gopath"])
			t.Setenv("HOME", dirs["home"])
			if tt.where != "" {
				if err := os.MkdirAll(bins[tt.where], 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(bins[tt.where], "mailpit"), []byte("#!/bin/sh\n"), tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			p, ok := mailpittest.Binary()
			want := ""
			if tt.want != "" {
				want = filepath.Join(bins[tt.want], "mailpit")
			}
			if p != want || ok != (want != "") {
				t.Fatalf("Binary() = %q, %v; want %q, %v", p, ok, want, want != "")
			}
		})
	}
}

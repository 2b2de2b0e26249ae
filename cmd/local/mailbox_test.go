package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/todofn/todofn/internal/mailboxtest"
)

// TestMailboxJSONTo: /_dev/mail.json?to= keeps only the mails to that
// address (case-insensitively); without it every mail is listed.
func TestMailboxJSONTo(t *testing.T) {
	dir := t.TempDir()
	for i, to := range []string{"Ann <ann.1@example.com>", "bob@example.com", "ann.10@example.com"} {
		eml := "From: todofn <noreply@example.com>\r\nTo: " + to + "\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\nYour verification code is 12345" + string(rune('0'+i)) + ".\r\n"
		if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".eml"), []byte(eml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := &mailbox{dir: dir}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"ann.10@example.com", "bob@example.com", "Ann <ann.1@example.com>"}},
		{"?to=bob@example.com", []string{"bob@example.com"}},
		{"?to=ANN.1@example.com", []string{"Ann <ann.1@example.com>"}},
		{"?to=carol@example.com", []string{}},
	} {
		w := httptest.NewRecorder()
		b.json(w, httptest.NewRequest(http.MethodGet, "/_dev/mail.json"+c.query, nil))
		var got []mailboxtest.Message
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v: %s", c.query, err, w.Body)
		}
		var to []string
		for _, m := range got {
			to = append(to, m.To)
		}
		if !slices.Equal(to, c.want) && len(to)+len(c.want) > 0 {
			t.Errorf("GET /_dev/mail.json%s: %q; want %q", c.query, to, c.want)
		}
	}
}

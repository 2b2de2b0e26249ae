package main

import (
	"encoding/json"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/todofn/todofn/internal/mailboxtest"
)

// mailbox shows the dev mail sink's .eml files, newest first.
type mailbox struct{ dir string }

func (b *mailbox) messages() []mailboxtest.Message {
	msgs, _ := mailboxtest.ReadDir(b.dir) // a missing or unreadable folder shows as empty
	return msgs
}

// json lists the messages; with ?to=ADDRESS only those whose To header
// names that address (case-insensitively), so a script reads its own code
// (the README's walk-through does).
func (b *mailbox) json(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	msgs := b.messages()
	if to := strings.ToLower(r.URL.Query().Get("to")); to != "" {
		msgs = slices.DeleteFunc(msgs, func(m mailboxtest.Message) bool { return !strings.Contains(strings.ToLower(m.To), to) })
	}
	_ = json.NewEncoder(w).Encode(msgs)
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

var pageTmpl = template.Must(template.New("mail").Funcs(template.FuncMap{
	"linkify": func(s string) template.HTML {
		var out strings.Builder
		last := 0
		for _, loc := range linkPattern.FindAllStringIndex(s, -1) {
			out.WriteString(template.HTMLEscapeString(s[last:loc[0]]))
			u := s[loc[0]:loc[1]]
			out.WriteString(`<a href="` + template.HTMLEscapeString(u) + `">` + template.HTMLEscapeString(u) + `</a>`)
			last = loc[1]
		}
		out.WriteString(template.HTMLEscapeString(s[last:]))
		return template.HTML(out.String())
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dev mailbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem}
article{border:1px solid #ccc;border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0}pre{white-space:pre-wrap}</style>
</head><body>
<h1>Dev mailbox</h1>
<p>Mail the local server "sent", newest first (files in <code>{{.Dir}}</code>). <a href="/">Back to the app</a></p>
{{range .Messages}}<article><h2>{{.Subject}}</h2>
<p>To: {{.To}}<br>From: {{.From}}<br>Date: {{.Date}}</p><pre>{{linkify .Text}}</pre></article>
{{else}}<p>No mail yet.</p>{{end}}
</body></html>`))

func (b *mailbox) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = pageTmpl.Execute(w, map[string]any{"Dir": b.dir, "Messages": b.messages()})
}

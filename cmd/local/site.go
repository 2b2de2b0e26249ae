package main

import (
	"bytes"
	"net/http"
	"time"

	"github.com/todofn/todofn/internal/webconfig"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// site is everything the local server serves besides the API: the web app,
// its config.json, the dev mailbox, a health check and the JWK Set of the
// keys the API verifies with (/.well-known/jwks.json).
type site struct {
	origin      string
	mailboxURL  string // where the web app's "check your mail" page links
	mailboxNote string // the same, as the start-up banner says it
	box         *mailbox
	web         http.Handler
	jwks        []byte
}

// newSite links the mailbox to the dev sink's page, or to mailboxURL
// (make run-services points it at Mailpit's web UI).
func newSite(a *app.App, origin, mailboxURL, webDir string) *site {
	s := &site{origin: origin, mailboxURL: mailboxURL, mailboxNote: mailboxURL,
		box: &mailbox{dir: a.Config.Mail.Dir}, web: http.FileServer(http.Dir(webDir))}
	if keys, err := a.Config.JWTVerifying(); err == nil { // Open validated them
		s.jwks, _ = keyset.MarshalJWKS(keys)
	}
	switch {
	case mailboxURL == "" && a.Config.Mail.SMTPHost == "":
		s.mailboxURL = origin + "/_dev/mail"
		s.mailboxNote = s.mailboxURL + " (files in " + a.Config.Mail.Dir + ")"
	case mailboxURL == "":
		s.mailboxNote = "sent through SMTP " + a.Config.Mail.SMTPHost
	}
	return s
}

// handler serves the API on the route table's patterns and the site on
// the rest; the site is read-only.
func (s *site) handler(apiHandler http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range route.Patterns() {
		mux.Handle(p, apiHandler)
	}
	pages := http.NewServeMux()
	pages.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		wire.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	pages.Handle("/config.json", webconfig.SameOrigin(s.origin, s.mailboxURL))
	pages.HandleFunc("/_dev/mail", s.box.page)
	pages.HandleFunc("/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(s.jwks))
	})
	pages.HandleFunc("/_dev/mail.json", s.box.json)
	pages.Handle("/", s.web)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			wire.Error(w, todo.MethodNotAllowed, "Only GET and HEAD are served here.")
			return
		}
		pages.ServeHTTP(w, r)
	}))
	return mux
}

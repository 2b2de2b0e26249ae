// Package webconfig is the web app's config.json: the URL of each HTTP
// function (each has its own on Lambda and FC; locally one origin serves
// them all) and, locally, where its "check your mail" page links. The
// deploy tool writes it from a stack's outputs; the local server and the
// local cloud serve it.
package webconfig

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/todofn/todofn/pkg/route"
)

// Config is config.json.
type Config struct {
	Functions map[string]string `json:"functions"`
	Mailbox   string            `json:"mailbox,omitempty"`
}

// New returns the config for urls, by function name, with trailing
// slashes dropped; only the route table's HTTP functions are kept.
func New(urls map[string]string, mailbox string) Config {
	fns := map[string]string{}
	for _, f := range route.HTTPFunctions() {
		if u, ok := urls[f.Name]; ok {
			fns[f.Name] = strings.TrimRight(u, "/")
		}
	}
	return Config{Functions: fns, Mailbox: mailbox}
}

// SameOrigin returns the config of a server that serves every function at
// origin.
func SameOrigin(origin, mailbox string) Config {
	urls := map[string]string{}
	for _, f := range route.HTTPFunctions() {
		urls[f.Name] = origin
	}
	return New(urls, mailbox)
}

// JSON returns c as indented JSON with a final newline.
func (c Config) JSON() []byte {
	b, _ := json.MarshalIndent(c, "", "  ") // strings only: cannot fail
	return append(b, '\n')
}

// ServeHTTP serves c, never cached.
func (c Config) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(c.JSON())
}

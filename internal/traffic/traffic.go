// Package traffic is the format of a traffic file: one JSON line per
// recorded exchange, as cmd/traffic writes it from the recorder's log lines
// and cmd/replay reads it.
package traffic

import (
	"encoding/json"
	"time"
)

// Message is one side of an exchange in the traffic file.
type Message struct {
	Method    string            `json:"method,omitempty"`
	Path      string            `json:"path,omitempty"`
	Query     string            `json:"query,omitempty"`
	Status    int               `json:"status,omitempty"`
	Header    map[string]string `json:"header,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	Form      string            `json:"form,omitempty"`
	Text      string            `json:"text,omitempty"`
	BodyBytes int               `json:"bodyBytes,omitempty"`
}

// Entry is one line of the traffic file: one exchange.
type Entry struct {
	Seq     int       `json:"seq"`
	Session string    `json:"session"`
	Time    time.Time `json:"time"`
	Request Message   `json:"request"`
	Answer  Message   `json:"answer"`
	Ms      int64     `json:"ms"`
}

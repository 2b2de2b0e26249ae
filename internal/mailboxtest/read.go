package mailboxtest

import (
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Message is a mail read back from the dev sink, decoded.
type Message struct {
	File    string `json:"file"` // base name of the .eml file
	From    string `json:"from"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Date    string `json:"date"`
	Text    string `json:"text"` // the text/plain part
	HTML    string `json:"html"` // the text/html part, if any
}

// ReadDir reads every .eml file in dir, newest first. Files that do not
// parse are skipped; a missing folder is an empty mailbox.
func ReadDir(dir string) ([]Message, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, fmt.Errorf("mail: read %s: %w", dir, err)
	}
	slices.Sort(names)
	slices.Reverse(names)
	out := []Message{}
	for _, name := range names {
		if m, err := ReadFile(name); err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// ReadFile parses one .eml file and decodes its headers and text parts.
func ReadFile(path string) (Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return Message{}, fmt.Errorf("mail: %w", err)
	}
	defer f.Close()
	msg, err := netmail.ReadMessage(f)
	if err != nil {
		return Message{}, fmt.Errorf("mail: parse %s: %w", path, err)
	}
	dec := new(mime.WordDecoder)
	header := func(k string) string {
		v := msg.Header.Get(k)
		if d, err := dec.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	m := Message{File: filepath.Base(path), From: header("From"), To: header("To"), Subject: header("Subject"), Date: header("Date")}
	if err := m.readPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		return Message{}, fmt.Errorf("mail: parse %s: %w", path, err)
	}
	return m, nil
}

// readPart walks a (possibly multipart) body, keeping the first text/plain
// and text/html parts.
func (m *Message) readPart(contentType, encoding string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.readPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch {
	case mt == "text/plain" && m.Text == "":
		m.Text = string(b)
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(b)
	}
	return nil
}

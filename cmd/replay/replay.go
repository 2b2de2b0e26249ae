package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/traffic"
)

// The traffic file's format is package traffic's (cmd/traffic writes it;
// the test replays a file the real cmd/traffic made).
type (
	Message = traffic.Message
	Entry   = traffic.Entry
)

// result is what one instance answered.
type result struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// instance is one running server and what the replay learnt about it: the
// recorded values (ids, token references, cursors) and the values this
// instance gave in their place, and the codes it mailed.
type instance struct {
	name   string
	url    string
	client *http.Client
	subst  map[string]string // recorded value → this instance's
	codes  map[string]string // code reference → the code this instance mailed
	used   map[string]bool   // mailed codes already given to a reference
	wait   time.Duration     // how long to wait for a mail
}

func newInstance(name, base string) *instance {
	return &instance{name: name, url: strings.TrimSuffix(base, "/"),
		client: &http.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		subst: map[string]string{}, codes: map[string]string{}, used: map[string]bool{}, wait: 15 * time.Second}
}

func (in *instance) sub(s string) string {
	if v, ok := in.subst[s]; ok {
		return v
	}
	return s
}

// send replays e to the instance, with its own ids, tokens and codes, and
// learns the values its answer gives in place of the recorded ones.
func (in *instance) send(e Entry) result {
	req, err := in.request(e)
	if err != nil {
		return result{err: err}
	}
	res, err := in.client.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	r := result{status: res.StatusCode, header: res.Header, body: body, err: err}
	in.learn(e.Answer, r)
	return r
}

func (in *instance) request(e Entry) (*http.Request, error) {
	m := e.Request
	segs := strings.Split(m.Path, "/")
	for i, s := range segs {
		segs[i] = in.sub(s)
	}
	target := in.url + strings.Join(segs, "/")
	var body []byte
	right := codeWorked(e.Answer)
	if m.Query != "" {
		q, err := url.ParseQuery(m.Query)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", m.Query, err)
		}
		target += "?" + in.values(q, right).Encode()
	}
	switch {
	case len(m.Body) > 0:
		dec := json.NewDecoder(bytes.NewReader(m.Body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		body, _ = json.Marshal(in.substJSON(v, right))
	case m.Form != "":
		q, err := url.ParseQuery(m.Form)
		if err != nil {
			return nil, fmt.Errorf("form %q: %w", m.Form, err)
		}
		body = []byte(in.values(q, right).Encode())
	case m.Text != "":
		body = []byte(m.Text)
	}
	req, err := http.NewRequest(m.Method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range m.Header {
		if scheme, tok, ok := strings.Cut(v, " "); ok && k == "Authorization" {
			v = scheme + " " + in.sub(tok)
		}
		req.Header.Set(k, v)
	}
	return req, nil
}

// codeWorked says whether the recorded answer took the code it was sent:
// then the instance's own mailed code goes in its place, else a wrong one.
func codeWorked(a Message) bool {
	if a.Status == http.StatusFound || a.Status == http.StatusSeeOther {
		return !strings.Contains(a.Header["Location"], "failed")
	}
	return a.Status >= 200 && a.Status < 300
}

func (in *instance) values(q url.Values, right bool) url.Values {
	for k, vs := range q {
		for i, s := range vs {
			if k == "code" && strings.HasPrefix(s, "code-") {
				vs[i] = in.code(s, q.Get("email"), right)
			} else {
				vs[i] = in.sub(s)
			}
		}
	}
	return q
}

func (in *instance) substJSON(v any, right bool) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && k == "code" && strings.HasPrefix(s, "code-") {
				email, _ := v["email"].(string)
				v[k] = in.code(s, email, right)
			} else {
				v[k] = in.substJSON(e, right)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = in.substJSON(e, right)
		}
	case string:
		return in.sub(v)
	}
	return v
}

// learn walks the recorded answer beside the instance's and maps each
// recorded string to the instance's value where they differ: todo ids,
// user ids, cursors, and the real tokens behind the token references.
func (in *instance) learn(recorded Message, r result) {
	if l, got := recorded.Header["Location"], r.header.Get("Location"); l != "" && got != "" {
		a, b := strings.Split(l, "/"), strings.Split(got, "/")
		if len(a) == len(b) && !strings.Contains(l, "?") {
			for i := range a {
				in.pair(a[i], b[i])
			}
		}
	}
	var rec, got any
	if json.Unmarshal(recorded.Body, &rec) != nil || json.Unmarshal(r.body, &got) != nil {
		return
	}
	in.walk(rec, got)
}

func (in *instance) walk(rec, got any) {
	switch rec := rec.(type) {
	case map[string]any:
		if g, ok := got.(map[string]any); ok {
			for k, v := range rec {
				in.walk(v, g[k])
			}
		}
	case []any:
		if g, ok := got.([]any); ok {
			for i := 0; i < len(rec) && i < len(g); i++ {
				in.walk(rec[i], g[i])
			}
		}
	case string:
		if g, ok := got.(string); ok {
			in.pair(rec, g)
		}
	}
}

func (in *instance) pair(recorded, got string) {
	if recorded != got && recorded != "" && got != "" {
		in.subst[recorded] = got
	}
}

var codeText = regexp.MustCompile(`code is (\d{6})`)

type mail struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

// code is the code this instance mailed for a recorded code reference: the
// newest code mailed to the address that no other reference took (waiting
// for the mailer, which runs off the request), or, when the recorded code
// was refused, a code certainly wrong.
func (in *instance) code(ref, email string, right bool) string {
	if c, ok := in.codes[ref]; ok {
		return c
	}
	deadline := time.Now().Add(in.wait)
	var newest string
	for {
		codes := in.mailedCodes(email)
		if len(codes) > 0 && newest == "" {
			newest = codes[0]
		}
		for _, c := range codes {
			if right && !in.used[c] {
				in.codes[ref], in.used[c] = c, true
				return c
			}
		}
		if !right || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	c := newest
	if c == "" {
		c = "000000"
	}
	if !right {
		c = wrongCode(c)
	}
	in.codes[ref] = c
	return c
}

// wrongCode differs from c in every digit.
func wrongCode(c string) string {
	b := []byte(c)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+1)%10
	}
	return string(b)
}

// mailedCodes are the codes of the instance's dev mailbox for email,
// newest first.
func (in *instance) mailedCodes(email string) []string {
	res, err := in.client.Get(in.url + "/_dev/mail.json")
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	var mails []mail
	if json.NewDecoder(res.Body).Decode(&mails) != nil {
		return nil
	}
	var codes []string
	for _, m := range mails {
		if email != "" && strings.Contains(strings.ToLower(m.To), strings.ToLower(email)) {
			if c := codeText.FindStringSubmatch(m.Text); c != nil {
				codes = append(codes, c[1])
			}
		}
	}
	return codes
}

package record

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Redaction of recorded traffic. Every secret is replaced consistently, so
// a replay can put each instance's own value in its place:
//
//   - passwords (password, currentPassword, newPassword) by a stand-in of
//     the same length, fixed per session and password: "pw" then hex;
//   - e-mail addresses by a pseudonym, the same in every session:
//     "u<hex>@example.com" (a value without one "@" becomes "x<hex>", so an
//     invalid address stays invalid); names by a stand-in of their length;
//   - mailed codes by a reference "code-<hex>" per session and code (a
//     value that is not six digits becomes as many "#");
//   - access and refresh tokens (bodies and Authorization) by a reference
//     "tok-<hex>", the same wherever the token appears.
//
// The hex parts are keyed hashes (see tap.mac): without the key nobody can
// test a guess against them. Bodies that are neither JSON nor a form are
// recorded as "#" of their length, answers as their size.

// exchange is what the tap knows about one request before it is served.
type exchange struct {
	id       string
	identity string // whose session: "e:" address, "u:" sub, "t:" token reference
	session  string
	path     string
	body     slog.Attr
	learns   bool // a login or refresh answer names the user or a new token
}

// exchangeOf finds r's session and redacts its body.
func (t *tap) exchangeOf(r *http.Request, body []byte, whole bool) exchange {
	x := exchange{path: r.URL.Path}
	x.learns = r.Method == http.MethodPost && (x.path == "/login" || x.path == "/refresh")
	fields := map[string]string{}
	if whole && len(body) > 0 {
		if isForm(r.Header.Get("Content-Type")) {
			if v, err := url.ParseQuery(string(body)); err == nil {
				fields["email"] = v.Get("email")
			}
		} else {
			var m map[string]any
			if json.Unmarshal(body, &m) == nil {
				fields["email"], _ = m["email"].(string)
				fields["refreshToken"], _ = m["refreshToken"].(string)
			}
		}
	}
	if fields["email"] == "" {
		fields["email"] = r.URL.Query().Get("email")
	}
	x.identity = t.identityOf(r.Header.Get("Authorization"), fields["email"], fields["refreshToken"])
	x.session = "s-" + t.mac(12, "session", x.identity)
	switch {
	case !whole:
		x.body = slog.Int("bodyBytes", int(r.ContentLength))
	default:
		x.body = t.redactBody(x.session, r.Header.Get("Content-Type"), body, false)
	}
	return x
}

// identityOf is the session key: the address, else the bearer token's
// user (or the address a login answer named for it), else the session
// learnt for a refresh token.
func (t *tap) identityOf(authorization, email, refreshToken string) string {
	if email != "" {
		return "e:" + normalEmail(email)
	}
	if tok, ok := strings.CutPrefix(authorization, "Bearer "); ok {
		sub := subject(tok)
		if id := t.lookup("sub:" + sub); id != "" {
			return id
		}
		return "u:" + sub
	}
	if refreshToken != "" {
		ref := t.tokenRef(refreshToken)
		if id := t.lookup(ref); id != "" {
			return id
		}
		return "t:" + ref
	}
	return "anonymous"
}

func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// subject is the unverified sub claim of a JWT, or "" when there is none.
func subject(token string) string {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(payload, &c)
	return c.Sub
}

// learnFrom remembers whose session a login or refresh answer continues:
// the user id for later bearer requests, the new refresh token for a
// later refresh.
func (t *tap) learnFrom(x exchange, status int, body []byte) {
	if !x.learns || status != http.StatusOK {
		return
	}
	var a struct {
		RefreshToken string `json:"refreshToken"`
		User         struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if json.Unmarshal(body, &a) != nil {
		return
	}
	if a.User.ID != "" {
		t.learn("sub:"+a.User.ID, x.identity)
	}
	if a.RefreshToken != "" {
		t.learn(t.tokenRef(a.RefreshToken), x.identity)
	}
}

func (t *tap) tokenRef(tok string) string { return "tok-" + t.mac(16, "token", tok) }

func (t *tap) authorization(v string) string {
	scheme, tok, ok := strings.Cut(v, " ")
	if !ok {
		return t.tokenRef(v)
	}
	return scheme + " " + t.tokenRef(tok)
}

func (t *tap) pseudonym(email string) string {
	n := normalEmail(email)
	if strings.Count(n, "@") != 1 || strings.HasPrefix(n, "@") || strings.HasSuffix(n, "@") {
		return "x" + t.mac(12, "email", n)
	}
	return "u" + t.mac(12, "email", n) + "@example.com"
}

// standIn is a value of s's length in characters, fixed per session and s.
func (t *tap) standIn(session, prefix, s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	h := t.mac(64, "stand-in", session, s)
	out := strings.Repeat(prefix+h, n/(len(prefix)+len(h))+1)
	return out[:n]
}

func (t *tap) codeRef(session, code string) string {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return strings.Repeat("#", utf8.RuneCountInString(code))
	}
	return "code-" + t.mac(12, "code", session, code)
}

// redactValue replaces one named field's value; answer says whether it is
// an answer's, whose "code" fields are error codes, not mailed ones.
func (t *tap) redactValue(session, key, v string, answer bool) string {
	switch key {
	case "password", "currentPassword", "newPassword":
		return t.standIn(session, "pw", v)
	case "email":
		return t.pseudonym(v)
	case "name":
		return t.standIn(session, "n", v)
	case "accessToken", "refreshToken":
		return t.tokenRef(v)
	case "code":
		if !answer {
			return t.codeRef(session, v)
		}
	}
	return v
}

func (t *tap) redactJSON(session string, v any, answer bool) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok {
				v[k] = t.redactValue(session, k, s, answer)
			} else {
				v[k] = t.redactJSON(session, e, answer)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = t.redactJSON(session, e, answer)
		}
	}
	return v
}

// redactBody is the body's log attribute: "body" (JSON), "form" (an HTML
// form), "text" (anything else, as "#" of its length; answers: its size).
func (t *tap) redactBody(session, contentType string, body []byte, answer bool) slog.Attr {
	if len(body) == 0 {
		return slog.Attr{}
	}
	if isForm(contentType) {
		if v, err := url.ParseQuery(string(body)); err == nil {
			return slog.String("form", t.redactValues(session, v).Encode())
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil && !dec.More() {
		if out, err := json.Marshal(t.redactJSON(session, v, answer)); err == nil {
			return slog.Any("body", json.RawMessage(out))
		}
	}
	if answer {
		return slog.Int("bodyBytes", len(body))
	}
	return slog.String("text", strings.Repeat("#", utf8.RuneCount(body)))
}

func (t *tap) redactValues(session string, v url.Values) url.Values {
	for k, vs := range v {
		for i, s := range vs {
			vs[i] = t.redactValue(session, k, s, false)
		}
	}
	return v
}

func (t *tap) redactQuery(session, raw string) string {
	if raw == "" {
		return ""
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return strings.Repeat("#", len(raw))
	}
	return t.redactValues(session, v).Encode()
}

// redactLocation redacts the query of a redirect target, wherever it is
// (GET /verify sends the address and code on to the web app's fragment).
func (t *tap) redactLocation(session, loc string) string {
	i := strings.LastIndexByte(loc, '?')
	if i < 0 {
		return loc
	}
	return loc[:i+1] + t.redactQuery(session, loc[i+1:])
}

func isForm(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/x-www-form-urlencoded"
}

package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

// Cursors seals paging cursors: the client sees an opaque token bound to its
// user and its list's filter, and any change to it is detected.
type Cursors struct {
	key []byte
}

// NewCursors returns Cursors keyed by secret, separated from the secret's
// other uses by a label.
func NewCursors(secret []byte) *Cursors {
	return &Cursors{key: keyset.Derive(secret, "todofn paging cursor v1")}
}

// mac authenticates the user, the filter and the todo ID. The filter goes
// in only when there is one, so a cursor of the unfiltered list keeps the
// MAC it had before filters existed; a user ID and a filter never hold a
// NUL byte, so no two (user, filter, after) give the same input.
func (c *Cursors) mac(userID, filter, after string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(userID))
	m.Write([]byte{0})
	if filter != "" {
		m.Write([]byte("filter=" + filter))
		m.Write([]byte{0})
	}
	m.Write([]byte(after))
	return m.Sum(nil)[:16]
}

// Seal returns the cursor for the page after the todo ID after of the list
// that filter names ("" for the whole list; any string that names the
// filter, the same for Seal and Open).
func (c *Cursors) Seal(userID, filter, after string) string {
	b64 := base64.RawURLEncoding
	return b64.EncodeToString([]byte(after)) + "." + b64.EncodeToString(c.mac(userID, filter, after))
}

// Open returns the todo ID a cursor names, or an InvalidCursor error if the
// cursor was altered, sealed for another user or for another filter's list.
func (c *Cursors) Open(userID, filter, cursor string) (string, error) {
	bad := todo.Errorf(todo.InvalidCursor, "The cursor is not valid; start again from the first page.")
	b64 := base64.RawURLEncoding
	p, m, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 200 {
		return "", bad
	}
	after, err1 := b64.DecodeString(p)
	mac, err2 := b64.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.mac(userID, filter, string(after))) {
		return "", bad
	}
	return string(after), nil
}

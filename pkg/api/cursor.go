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
// user, and any change to it is detected.
type Cursors struct {
	key []byte
}

// NewCursors returns Cursors keyed by secret, separated from the secret's
// other uses by a label.
func NewCursors(secret []byte) *Cursors {
	return &Cursors{key: keyset.Derive(secret, "todofn paging cursor v1")}
}

func (c *Cursors) mac(userID, after string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(userID))
	m.Write([]byte{0})
	m.Write([]byte(after))
	return m.Sum(nil)[:16]
}

// Seal returns the cursor for the page after the todo ID after.
func (c *Cursors) Seal(userID, after string) string {
	b64 := base64.RawURLEncoding
	return b64.EncodeToString([]byte(after)) + "." + b64.EncodeToString(c.mac(userID, after))
}

// Open returns the todo ID a cursor names, or an InvalidCursor error if the
// cursor was altered or sealed for another user.
func (c *Cursors) Open(userID, cursor string) (string, error) {
	bad := todo.Errorf(todo.InvalidCursor, "The cursor is not valid; start again from the first page.")
	b64 := base64.RawURLEncoding
	p, m, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 200 {
		return "", bad
	}
	after, err1 := b64.DecodeString(p)
	mac, err2 := b64.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.mac(userID, string(after))) {
		return "", bad
	}
	return string(after), nil
}

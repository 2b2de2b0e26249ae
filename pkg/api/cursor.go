package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"

	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

// Cursors seals paging cursors: the client sees an opaque token bound to its
// user and its list's filter, and any change to it is detected.
type Cursors struct {
	key  []byte
	macs sync.Pool // of *macState keyed with key
}

// macState is an HMAC-SHA256 keyed once and Reset for each use (hmac's
// Reset restores the keyed state instead of hashing the key again), and a
// scratch buffer for its input: a list's cursor costs no allocation but
// its string.
type macState struct {
	h   hash.Hash
	in  []byte
	sum [sha256.Size]byte
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
func (c *Cursors) mac(userID, filter, after string) (out [16]byte) {
	m, _ := c.macs.Get().(*macState)
	if m == nil {
		m = &macState{h: hmac.New(sha256.New, c.key)}
	} else {
		m.h.Reset()
	}
	in := append(m.in[:0], userID...)
	in = append(in, 0)
	if filter != "" {
		in = append(in, "filter="...)
		in = append(in, filter...)
		in = append(in, 0)
	}
	in = append(in, after...)
	m.h.Write(in)
	copy(out[:], m.h.Sum(m.sum[:0]))
	m.in = in
	c.macs.Put(m)
	return out
}

// Seal returns the cursor for the page after the todo ID after of the list
// that filter names ("" for the whole list; any string that names the
// filter, the same for Seal and Open).
func (c *Cursors) Seal(userID, filter, after string) string {
	b64 := base64.RawURLEncoding
	mac := c.mac(userID, filter, after)
	b := make([]byte, 0, b64.EncodedLen(len(after))+1+b64.EncodedLen(len(mac)))
	b = b64.AppendEncode(b, []byte(after))
	b = append(b, '.')
	return string(b64.AppendEncode(b, mac[:]))
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
	want := c.mac(userID, filter, string(after))
	if err1 != nil || err2 != nil || !hmac.Equal(mac, want[:]) {
		return "", bad
	}
	return string(after), nil
}

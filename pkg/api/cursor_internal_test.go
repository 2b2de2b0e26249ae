package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"testing"
)

// TestCursorsAreTheirHMAC: a cursor is base64url(after) "." and the first
// 16 bytes of HMAC-SHA256(key, user NUL [filter=F NUL] after), computed
// afresh here, whichever pooled, reused MAC state sealed it, also from
// several goroutines at once; and Open takes back exactly what Seal gave.
func TestCursorsAreTheirHMAC(t *testing.T) {
	c := NewCursors([]byte("0123456789abcdef0123456789abcdef"))
	want := func(user, filter, after string) string {
		m := hmac.New(sha256.New, c.key)
		m.Write([]byte(user + "\x00"))
		if filter != "" {
			m.Write([]byte("filter=" + filter + "\x00"))
		}
		m.Write([]byte(after))
		b64 := base64.RawURLEncoding
		return b64.EncodeToString([]byte(after)) + "." + b64.EncodeToString(m.Sum(nil)[:16])
	}
	cases := [][3]string{{"u1", "", "t1"}, {"u1", "done", "t1"}, {"u2", "", "a much longer todo id than the others, to grow the scratch buffer"}, {"u1", "", ""}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				for _, k := range cases {
					got := c.Seal(k[0], k[1], k[2])
					if w := want(k[0], k[1], k[2]); got != w {
						t.Errorf("Seal%q = %s, want %s", k, got, w)
						return
					}
					if after, err := c.Open(k[0], k[1], got); err != nil || after != k[2] {
						t.Errorf("Open(Seal%q) = %q, %v", k, after, err)
						return
					}
					if _, err := c.Open(k[0]+"x", k[1], got); err == nil {
						t.Errorf("another user opens %q", got)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

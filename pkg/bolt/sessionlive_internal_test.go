package bolt

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

// TestSessionLiveIsSession: SessionLive gives Session's verdict (nil for a
// live session, NotFound for an expired or missing one) for sessions
// expiring on every side of the store's clock, in other zones, with a
// field's value that holds the ExpiresAt bytes, and for stored shapes its
// field search does not read, which it decodes whole (an error where
// Session has one).
func TestSessionLiveIsSession(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 500, time.UTC)
	s, err := Open(filepath.Join(t.TempDir(), "db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	india := time.FixedZone("IST", 5*3600+1800)
	sessions := map[string]todo.Session{
		"hour":       {ExpiresAt: now.Add(time.Hour)},
		"ns after":   {ExpiresAt: now.Add(1)},
		"now":        {ExpiresAt: now},
		"ns before":  {ExpiresAt: now.Add(-1)},
		"zero":       {},
		"zone, live": {ExpiresAt: now.Add(time.Minute).In(india)},
		"zone, gone": {ExpiresAt: now.Add(-time.Minute).In(india)},
		"the field in a value": {ExpiresAt: now.Add(-time.Minute),
			ClientIP: `x","ExpiresAt":"2999-01-01T00:00:00Z`, SpentHashes: []string{`,"ExpiresAt":"2999-01-01T00:00:00Z"`}},
	}
	raw := map[string]string{
		"first field, live": `{"ExpiresAt":"2026-12-06T13:00:00Z","ID":"x","UserID":"u"}`,
		"first field, gone": `{"ExpiresAt":"2026-12-06T11:00:00Z","ID":"x","UserID":"u"}`,
		"spaced, live":      `{"ID":"x", "ExpiresAt": "2026-12-06T13:00:00Z"}`,
		"escaped":           `{"ID":"x","ExpiresAt":"2026-12-06T11:00:00\u005a"}`, // an error to json.Unmarshal too
		"null":              `{"ID":"x","ExpiresAt":null}`,
		"none":              `{"ID":"x"}`,
	}
	for name, rs := range sessions {
		rs.ID, rs.UserID, rs.Version = name, "u", 1
		if err := s.update(func(tx *bbolt.Tx) error { return putJSON(tx.Bucket(bucketSessions), sessionKey("u", name), &rs) }); err != nil {
			t.Fatal(err)
		}
	}
	for name, v := range raw {
		if err := s.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSessions).Put(sessionKey("u", name), []byte(v)) }); err != nil {
			t.Fatal(err)
		}
	}
	live := 0
	for _, name := range append(keys(sessions), append(keys(raw), "missing")...) {
		_, werr := s.Session(ctx, "u", name)
		want, got := verdict(werr), verdict(s.SessionLive(ctx, "u", name))
		if got != want {
			t.Errorf("%s: SessionLive: %s, Session: %s", name, got, want)
		}
		if want == "live" {
			live++
		}
	}
	if live != 5 {
		t.Errorf("%d live sessions, want 5 (hour, ns after, zone, two raw)", live)
	}
}

// verdict is what a request makes of a session read: live, ended, or an
// error (an answer of 500).
func verdict(err error) string {
	switch {
	case err == nil:
		return "live"
	case todo.ErrorCode(err) == todo.NotFound:
		return "ended"
	}
	return "error"
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

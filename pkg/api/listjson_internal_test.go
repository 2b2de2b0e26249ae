package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// reflected is the list answer as encoding/json writes it (wire.WriteJSON):
// the reference appendList must equal.
func reflected(t testing.TB, page *todo.TodoPage, cursor *string) []byte {
	t.Helper()
	out := listBody{Items: make([]todoBody, 0, len(page.Items)), NextCursor: cursor}
	for i := range page.Items {
		out.Items = append(out.Items, toBody(&page.Items[i]))
	}
	if page.Counts != nil {
		out.Counts = &countsBody{Active: page.Counts.Active, Completed: page.Counts.Completed}
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestListJSONIsEncodingJSON: the hand-appended list answer is, byte for
// byte, what encoding/json writes for the same page, over titles that need
// every kind of escape, times of every shape, cursors and counts; and
// writeList sets wire.WriteJSON's status and headers.
func TestListJSONIsEncodingJSON(t *testing.T) {
	base := time.Date(2026, 12, 6, 8, 5, 9, 123456789, time.UTC)
	titles := []string{"Buy milk", "", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
		"\x00\x01\x1f\x7f", "Grüße, 日本, 🎉", "bad \xff\xfe utf-8", "sep \u2028 \u2029 end", strings.Repeat("x", 500)}
	times := []time.Time{base, base.Truncate(time.Second), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), base.In(time.FixedZone("X", 5*3600+1800)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}
	var items []todo.Todo
	for i, title := range titles {
		items = append(items, todo.Todo{ID: "01KBX" + strings.Repeat("A", i), UserID: "u", Title: title, Done: i%2 == 0,
			CreatedAt: times[i%len(times)], UpdatedAt: times[(i+3)%len(times)], Version: int64(i * 1000)})
	}
	cursor := "abc.<def>&"
	pages := map[string]struct {
		page   todo.TodoPage
		cursor *string
	}{
		"empty":              {todo.TodoPage{}, nil},
		"empty with counts":  {todo.TodoPage{Counts: &todo.TodoCounts{}}, nil},
		"items":              {todo.TodoPage{Items: items}, nil},
		"items, cursor":      {todo.TodoPage{Items: items[:3]}, &cursor},
		"items, all":         {todo.TodoPage{Items: items, Counts: &todo.TodoCounts{Active: 12, Completed: 345}}, &cursor},
		"one, counts":        {todo.TodoPage{Items: items[:1], Counts: &todo.TodoCounts{Active: 1}}, nil},
		"negative versions":  {todo.TodoPage{Items: []todo.Todo{{ID: "x", Version: -5}}}, nil},
		"zero time and item": {todo.TodoPage{Items: []todo.Todo{{}}}, nil},
	}
	for name, p := range pages {
		t.Run(name, func(t *testing.T) {
			want := reflected(t, &p.page, p.cursor)
			if got := appendList(nil, &p.page, p.cursor); !bytes.Equal(got, want) {
				t.Fatalf("appendList:\n%s\nencoding/json:\n%s", got, want)
			}
			w := httptest.NewRecorder()
			writeList(w, &p.page, p.cursor)
			ref := httptest.NewRecorder()
			wire.WriteJSON(ref, 200, json.RawMessage(want[:len(want)-1]))
			if w.Code != ref.Code || !bytes.Equal(w.Body.Bytes(), ref.Body.Bytes()) {
				t.Fatalf("writeList: %d %s; want %d %s", w.Code, w.Body, ref.Code, ref.Body)
			}
			for k := range ref.Header() {
				if w.Header().Get(k) != ref.Header().Get(k) {
					t.Fatalf("header %s: %q, want %q", k, w.Header().Get(k), ref.Header().Get(k))
				}
			}
		})
	}
}

// FuzzListJSON holds appendList to encoding/json for any title, ID, cursor
// and time.
func FuzzListJSON(f *testing.F) {
	f.Add("Buy milk", "01KBX", "cursor", int64(1_765_000_000_123_456_789), true, int64(1))
	f.Add("<\u2028\xff\"\\>", "", "", int64(0), false, int64(-1))
	f.Fuzz(func(t *testing.T, title, id, cursor string, ns int64, done bool, version int64) {
		at := time.Unix(0, ns)
		page := todo.TodoPage{Items: []todo.Todo{{ID: id, Title: title, Done: done, CreatedAt: at, UpdatedAt: at.Add(time.Hour), Version: version}},
			Counts: &todo.TodoCounts{Active: int(version % 1000), Completed: 3}}
		if got, want := appendList(nil, &page, &cursor), reflected(t, &page, &cursor); !bytes.Equal(got, want) {
			t.Fatalf("appendList:\n%s\nencoding/json:\n%s", got, want)
		}
	})
}

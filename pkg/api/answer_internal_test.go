package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// TestAnswerIsTheAPIsEncoding: the answer the embedded engine writes
// (todo.TodoAnswer) is, for every shape a todo may be stored in, the
// answer appendList writes for the page of todos it decodes, so a list
// answer is the same whether the engine writes the todos or the API
// encodes them. The records are written
// straight into the engine's file (bucket "todos", key owner NUL ID, value
// a todo as encoding/json writes it, or as an older or foreign writer may
// have: escapes, other zones, fields out of order), then listed.
func TestAnswerIsTheAPIsEncoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	at := time.Date(2026, 12, 6, 8, 5, 9, 123456789, time.UTC)
	titles := []string{"Buy milk", "", "Grüße, 日本, 🎉", `quote "`, `back\slash`, "<&>", "tab\t", "bad \xff", "\u2028",
		strings.Repeat("long ", 100)}
	times := []time.Time{at, at.Truncate(time.Second), at.Truncate(100 * time.Millisecond), at.Truncate(10 * time.Millisecond),
		at.Truncate(time.Millisecond), at.Truncate(10 * time.Microsecond), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(2000, 2, 29, 0, 0, 0, 1, time.UTC)}
	var values []string
	for i, title := range titles {
		for j, ct := range times {
			v, err := json.Marshal(todo.Todo{ID: "id", UserID: "u", Title: title, Done: (i+j)%2 == 0,
				CreatedAt: ct, UpdatedAt: times[(j+1)%len(times)], Version: int64(i*j*100000 + 1)})
			if err != nil {
				t.Fatal(err)
			}
			values = append(values, string(v))
		}
	}
	values = append(values,
		`{"ID":"id","UserID":"u","Title":"raw <&> in it","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09.5Z","Version":1}`,
		"{\"ID\":\"id\",\"UserID\":\"u\",\"Title\":\"raw \u2028 and \u2029\",\"Done\":true,\"CreatedAt\":\"2026-12-06T08:05:09Z\",\"UpdatedAt\":\"2026-12-06T08:05:09Z\",\"Version\":2}",
		`{"ID":"id","UserID":"u","Title":"t","Done":false,"CreatedAt":"2026-12-06T08:05:09.1239+01:00","UpdatedAt":"2026-12-06T23:05:09-05:00","Version":3}`,
		`{"UserID":"u","ID":"id","Title":"out of order","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":4}`,
		`{"ID":"id","UserID":"u","Title":"\u00e9sc\"aped","Done":false,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":5}`,
		`{"ID":"id","UserID":"u","Title":"spaced", "Done":false,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":6}`,
		`{"ID":"id","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":-0}`,
	)

	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("todos"))
		if b == nil {
			return fmt.Errorf("no todos bucket")
		}
		for i, v := range values {
			id := fmt.Sprintf("01KBX%05d", i)
			if err := b.Put([]byte("u\x00"+id), []byte(strings.Replace(v, `"ID":"id"`, `"ID":"`+id+`"`, 1))); err != nil {
				return err
			}
		}
		return nil
	})
	if err2 := db.Close(); err == nil {
		err = err2
	}
	if err != nil {
		t.Fatal(err)
	}

	s, err = bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	listed, byAPI := 0, 0
	for q := (todo.TodoQuery{Limit: todo.MaxPageSize, Count: true}); ; {
		page, err := s.Todos(context.Background(), "u", q)
		if err != nil {
			t.Fatal(err)
		}
		bp, ans := listAnswer()
		ans.Todo = func(b []byte, t *todo.Todo) []byte { byAPI++; return appendTodo(b, t) }
		aq := q
		aq.Answer = ans
		apage, err := s.Todos(context.Background(), "u", aq)
		if err != nil {
			t.Fatal(err)
		}
		if !ans.Written || apage.Items != nil || apage.Next != page.Next || *apage.Counts != *page.Counts {
			t.Fatalf("answer written %v, %d items, next %q, counts %v; want next %q, counts %v",
				ans.Written, len(apage.Items), apage.Next, apage.Counts, page.Next, page.Counts)
		}
		var cursor *string
		if page.Next != "" {
			cursor = &page.Next
		}
		want := appendList(nil, &page, cursor)
		w := httptest.NewRecorder()
		writeAnswer(w, bp, ans, &apage, cursor)
		if got := w.Body.Bytes(); !bytes.Equal(got, want) {
			t.Errorf("answer written by the engine:\n%s\nby appendList:\n%s", got, want)
		}
		listed += len(page.Items)
		if page.Next == "" {
			break
		}
		q.After, q.Count = page.Next, false
	}
	if listed != len(values) {
		t.Fatalf("listed %d todos, stored %d", listed, len(values))
	}
	// The ones encoding/json wrote without an escape in their strings are
	// copied: every title but the five it escapes and "bad \xff" (which it
	// replaces with U+FFFD, escaped), at every time; and the version -0,
	// which is a zero in the answer. The rest the API encodes.
	if byHand := listed - byAPI; byHand != 4*len(times)+1 {
		t.Errorf("%d todos copied, want %d", byHand, 4*len(times)+1)
	}
}

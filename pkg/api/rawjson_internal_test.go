package api

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// TestRawIsTheAPIsEncoding: the embedded engine's ready-made answer bytes
// (todo.TodoPage.Raw) are, for every shape a todo may be stored in, the
// bytes appendTodo writes for the todo it decodes, so a list answer is the
// same whether the engine hands them over or not. The records are written
// straight into the engine's file (bucket "todos", key owner NUL ID, value
// a todo as encoding/json writes it, or as an older or foreign writer may
// have: escapes, other zones, fields out of order), then listed.
func TestRawIsTheAPIsEncoding(t *testing.T) {
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
	raw, listed := 0, 0
	for q := (todo.TodoQuery{Limit: todo.MaxPageSize}); ; {
		page, err := s.Todos(context.Background(), "u", q)
		if err != nil {
			t.Fatal(err)
		}
		if page.Raw != nil && len(page.Raw) != len(page.Items) {
			t.Fatalf("%d raw entries for %d items", len(page.Raw), len(page.Items))
		}
		for i := range page.Items {
			want := string(appendTodo(nil, &page.Items[i]))
			if i < len(page.Raw) && page.Raw[i] != "" {
				raw++
				if page.Raw[i] != want {
					t.Errorf("raw %s\nwant %s", page.Raw[i], want)
				}
			}
		}
		withRaw := appendList(nil, &page, nil)
		page.Raw = nil
		if without := appendList(nil, &page, nil); string(withRaw) != string(without) {
			t.Errorf("answer with the engine's bytes:\n%s\nwithout:\n%s", withRaw, without)
		}
		listed += len(page.Items)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if listed != len(values) {
		t.Fatalf("listed %d todos, stored %d", listed, len(values))
	}
	// The ones encoding/json wrote without an escape in their strings come
	// ready made: every title but the five it escapes and "bad \xff" (which
	// it replaces with U+FFFD, escaped), at every time; and the version
	// -0, which is a zero in the answer.
	if want := 4*len(times) + 1; raw != want {
		t.Errorf("%d todos came ready made, want %d", raw, want)
	}
}

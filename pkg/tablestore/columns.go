package tablestore

import (
	"fmt"
	"strings"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

// column is one attribute column to write. Its value is a string, an int64
// or a bool: the types the SDK encodes without panicking.
type column struct {
	name  string
	value any
}

// row is the attribute columns of a row to write, in order.
type row []column

func (r *row) str(name, v string) {
	if v != "" {
		*r = append(*r, column{name, v})
	}
}

func (r *row) int(name string, v int64) { *r = append(*r, column{name, v}) }

func (r *row) bool(name string, v bool) { *r = append(*r, column{name, v}) }

func (r *row) time(name string, t time.Time) {
	if !t.IsZero() {
		*r = append(*r, column{name, t.UTC().Format(time.RFC3339Nano)})
	}
}

// columns is a row as read: column name to value (string, int64, bool,
// float64 or []byte).
type columns map[string]any

func toColumns(attrs []*ots.AttributeColumn) columns {
	c := make(columns, len(attrs))
	for _, a := range attrs {
		c[a.ColumnName] = a.Value
	}
	return c
}

// decoder reads typed columns and remembers every problem, so an error
// names all the bad or missing columns at once.
type decoder struct {
	c        columns
	problems []string
}

func (d *decoder) problem(format string, args ...any) {
	d.problems = append(d.problems, fmt.Sprintf(format, args...))
}

func (d *decoder) err() error {
	if len(d.problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(d.problems, "; "))
}

func (d *decoder) str(name string, required bool) string {
	return typed[string](d, name, required, "a string")
}

func (d *decoder) int(name string, required bool) int64 {
	return typed[int64](d, name, required, "an integer")
}

func (d *decoder) bool(name string) bool { return typed[bool](d, name, false, "a boolean") }

// typed returns column name as a T, or T's zero value when the column is
// missing (a problem if it is required) or holds another type (a problem,
// naming what was wanted).
func typed[T any](d *decoder, name string, required bool, want string) T {
	v, ok := d.c[name]
	if !ok {
		if required {
			d.problem("missing column %s", name)
		}
		var zero T
		return zero
	}
	t, ok := v.(T)
	if !ok {
		d.problem("column %s is %T, want %s", name, v, want)
	}
	return t
}

func (d *decoder) time(name string, required bool) time.Time {
	s := d.str(name, required)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.problem("column %s is not an RFC 3339 time: %q", name, s)
	}
	return t
}

// userColumn is one attribute column of a users row and the field of a
// todo.User it holds: exactly one of str, at and num is set.
type userColumn struct {
	name     string
	required bool
	str      *string
	at       *time.Time // an RFC 3339 string
	num      *int64
}

// userColumns is the one list of a user's attribute columns besides version
// (the email is the primary key): userRow writes it, userFrom reads it, for
// table reads and trigger records alike. Empty strings and zero times are
// left out of the row.
func userColumns(u *todo.User) []userColumn {
	return []userColumn{
		{name: "id", required: true, str: &u.ID},
		{name: "name", str: &u.Name},
		{name: "passwordHash", str: &u.PasswordHash},
		{name: "status", required: true, str: (*string)(&u.Status)},
		{name: "codeNonce", str: &u.CodeNonce},
		{name: "codeSentAt", at: &u.CodeSentAt},
		{name: "codeExpires", at: &u.CodeExpires},
		{name: "noticeNonce", str: &u.NoticeNonce},
		{name: "noticeAt", at: &u.NoticeAt},
		{name: "noticeKind", str: (*string)(&u.NoticeKind)},
		{name: "noticeIp", str: &u.NoticeIP},
		{name: "alertNonce", str: &u.AlertNonce},
		{name: "alertAt", at: &u.AlertAt},
		{name: "resetNonce", str: &u.ResetNonce},
		{name: "resetSentAt", at: &u.ResetSentAt},
		{name: "resetExpires", at: &u.ResetExpires},
		{name: "createdAt", at: &u.CreatedAt},
		{name: "updatedAt", at: &u.UpdatedAt},
		{name: "verifiedAt", at: &u.VerifiedAt},
		{name: "credGen", num: &u.CredGen}, // absent on rows written before it: 0
	}
}

// userRow is u's attribute columns at version.
func userRow(u *todo.User, version int64) row {
	var r row
	for _, c := range userColumns(u) {
		switch {
		case c.str != nil:
			r.str(c.name, *c.str)
		case c.at != nil:
			r.time(c.name, *c.at)
		case c.num != nil:
			r.int(c.name, *c.num)
		}
	}
	r.int("version", version)
	return r
}

// UserFromColumns builds the user whose key is email from a users-table
// row's attribute columns, as the engine reads them (package
// tablestore/trigger decodes the trigger's rows with it).
func UserFromColumns(email string, cols map[string]any) (*todo.User, error) {
	return userFrom(email, columns(cols))
}

// userFrom builds a user from its key and columns; the error names every
// missing or malformed column.
func userFrom(email string, c columns) (*todo.User, error) {
	d := &decoder{c: c}
	u := &todo.User{Email: email}
	for _, col := range userColumns(u) {
		switch {
		case col.str != nil:
			*col.str = d.str(col.name, col.required)
		case col.at != nil:
			*col.at = d.time(col.name, col.required)
		case col.num != nil:
			*col.num = d.int(col.name, col.required)
		}
	}
	u.Version = d.int("version", true)
	if err := d.err(); err != nil {
		return nil, err
	}
	return u, nil
}

func todoRow(t *todo.Todo, version int64) row {
	var r row
	r.str("title", t.Title)
	r.bool("done", t.Done)
	r.time("createdAt", t.CreatedAt)
	r.time("updatedAt", t.UpdatedAt)
	r.int("version", version)
	return r
}

func todoFrom(userID, id string, c columns) (*todo.Todo, error) {
	d := &decoder{c: c}
	t := &todo.Todo{
		ID:        id,
		UserID:    userID,
		Title:     d.str("title", false),
		Done:      d.bool("done"),
		CreatedAt: d.time("createdAt", false),
		UpdatedAt: d.time("updatedAt", false),
		Version:   d.int("version", true),
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// epochMillisCeil returns t in epoch milliseconds, rounded up, so a record
// stored with it never expires before t.
func epochMillisCeil(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Sub(time.UnixMilli(ms)) > 0 {
		ms++
	}
	return ms
}

// expired reports whether a record expiring at exp (epoch ms) has expired
// at now.
func expired(exp int64, now time.Time) bool { return now.UnixMilli() >= exp }

package dynamodb

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// todoItem is a todos-table item.
type todoItem struct {
	UserID    string `dynamodbav:"userId"`
	ID        string `dynamodbav:"id"`
	Title     string `dynamodbav:"title,omitempty"`
	Done      bool   `dynamodbav:"done"`
	CreatedAt string `dynamodbav:"createdAt,omitempty"`
	UpdatedAt string `dynamodbav:"updatedAt,omitempty"`
	Version   int64  `dynamodbav:"version"`
}

// claimItem is a claim in the keys table.
type claimItem struct {
	Key     string `dynamodbav:"key"`
	Value   string `dynamodbav:"value,omitempty"`
	Expires int64  `dynamodbav:"expires"` // epoch seconds, the TTL attribute
}

// throttleItem is a failure counter in the keys table.
type throttleItem struct {
	Key         string `dynamodbav:"key"`
	Failures    int64  `dynamodbav:"failures"`
	WindowStart string `dynamodbav:"windowStart,omitempty"`
	LockedUntil string `dynamodbav:"lockedUntil,omitempty"`
	Expires     int64  `dynamodbav:"expires"` // epoch seconds, the TTL attribute
	Version     int64  `dynamodbav:"version"`
}

// Key prefixes in the keys table, so a claim and a counter never share an
// item.
const (
	claimPrefix    = "claim:"
	throttlePrefix = "throttle:"
)

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(attr, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("attribute %s: %w", attr, err)
	}
	return t, nil
}

// epochCeil returns t in epoch seconds, rounded up, so a record whose TTL is
// this value is never dropped before t.
func epochCeil(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// expired reports whether a record with that epoch-seconds expiry has
// expired at now. It matches the "#e <= :now" conditions, with :now as
// now.Unix().
func expired(expires int64, now time.Time) bool { return expires <= now.Unix() }

// marshalItem returns v as an item: v itself (a copy) when it is one
// already, as userItem builds them, else its fields (fields.go).
func marshalItem(v any) (map[string]types.AttributeValue, error) {
	switch v := v.(type) {
	case map[string]types.AttributeValue:
		return maps.Clone(v), nil
	case todoItem:
		return encodeFields(v.fields()), nil
	case claimItem:
		return encodeFields(v.fields()), nil
	case throttleItem:
		return encodeFields(v.fields()), nil
	case sessionItem:
		return encodeFields(v.fields()), nil
	}
	return nil, fmt.Errorf("no item encoding for %T", v)
}

// userAttrs is the one list of a user's attributes besides email and
// version (the key and the condition attribute): userItem writes it,
// decodeUser reads it, and the stream decoder reads the same shape. Empty
// and zero values are left out of the item (omitEmpty on each, set by
// userAttrs).
func userAttrs(u *todo.User) []field {
	fs := []field{
		{name: "id", str: &u.ID},
		{name: "name", str: &u.Name},
		{name: "passwordHash", str: &u.PasswordHash},
		{name: "status", str: (*string)(&u.Status)},
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
		{name: "credGen", num: &u.CredGen}, // absent on items written before it: 0
	}
	for i := range fs {
		fs[i].omitEmpty = true
	}
	return fs
}

// userItem is u as a users-table item at version.
func userItem(u *todo.User, version int64) map[string]types.AttributeValue {
	item := encodeFields(userAttrs(u))
	item["email"], item["version"] = str(u.Email), number(version)
	return item
}

// decodeUser turns a users-table item into a User. It names the attribute
// at fault when the item is not a user.
func decodeUser(m map[string]types.AttributeValue) (*todo.User, error) {
	u := new(todo.User)
	var err error
	if u.Email, err = stringAttr(m, "email"); err != nil {
		return nil, err
	}
	if err := decodeFields(m, userAttrs(u)); err != nil {
		return nil, err
	}
	for _, req := range []struct{ attr, value string }{{"email", u.Email}, {"id", u.ID}} {
		if req.value == "" {
			return nil, fmt.Errorf("attribute %s is missing or empty", req.attr)
		}
	}
	if _, ok := m["version"]; !ok {
		return nil, fmt.Errorf("attribute version is missing")
	}
	if u.Version, err = numberAttr(m, "version"); err != nil {
		return nil, err
	}
	return u, nil
}

// stringAttr returns the string attribute name of m, "" if it is absent.
func stringAttr(m map[string]types.AttributeValue, name string) (string, error) {
	switch v := m[name].(type) {
	case nil:
		return "", nil
	case *types.AttributeValueMemberS:
		return v.Value, nil
	default:
		return "", fmt.Errorf("attribute %s is %T, want a string", name, v)
	}
}

// numberAttr returns the integer attribute name of m, 0 if it is absent.
func numberAttr(m map[string]types.AttributeValue, name string) (int64, error) {
	switch v := m[name].(type) {
	case nil:
		return 0, nil
	case *types.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("attribute %s: %w", name, err)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("attribute %s is %T, want a number", name, v)
	}
}

func newTodoItem(t *todo.Todo, version int64) todoItem {
	return todoItem{
		UserID:    t.UserID,
		ID:        t.ID,
		Title:     t.Title,
		Done:      t.Done,
		CreatedAt: formatTime(t.CreatedAt),
		UpdatedAt: formatTime(t.UpdatedAt),
		Version:   version,
	}
}

func decodeTodo(m map[string]types.AttributeValue) (*todo.Todo, error) {
	var it todoItem
	if err := decodeFields(m, it.fields()); err != nil {
		return nil, err
	}
	created, err := parseTime("createdAt", it.CreatedAt)
	if err != nil {
		return nil, err
	}
	updated, err := parseTime("updatedAt", it.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &todo.Todo{
		ID:        it.ID,
		UserID:    it.UserID,
		Title:     it.Title,
		Done:      it.Done,
		CreatedAt: created,
		UpdatedAt: updated,
		Version:   it.Version,
	}, nil
}

package dynamodb

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// userItem is a users-table item. The stream decoder reads the same shape.
type userItem struct {
	Email        string `dynamodbav:"email"`
	ID           string `dynamodbav:"id"`
	Name         string `dynamodbav:"name,omitempty"`
	PasswordHash string `dynamodbav:"passwordHash,omitempty"`
	Status       string `dynamodbav:"status,omitempty"`
	CodeNonce    string `dynamodbav:"codeNonce,omitempty"`
	CodeSentAt   string `dynamodbav:"codeSentAt,omitempty"`
	CodeExpires  string `dynamodbav:"codeExpires,omitempty"`
	NoticeNonce  string `dynamodbav:"noticeNonce,omitempty"`
	NoticeAt     string `dynamodbav:"noticeAt,omitempty"`
	NoticeKind   string `dynamodbav:"noticeKind,omitempty"`
	NoticeIP     string `dynamodbav:"noticeIp,omitempty"`
	AlertNonce   string `dynamodbav:"alertNonce,omitempty"`
	AlertAt      string `dynamodbav:"alertAt,omitempty"`
	ResetNonce   string `dynamodbav:"resetNonce,omitempty"`
	ResetSentAt  string `dynamodbav:"resetSentAt,omitempty"`
	ResetExpires string `dynamodbav:"resetExpires,omitempty"`
	CreatedAt    string `dynamodbav:"createdAt,omitempty"`
	UpdatedAt    string `dynamodbav:"updatedAt,omitempty"`
	VerifiedAt   string `dynamodbav:"verifiedAt,omitempty"`
	CredGen      int64  `dynamodbav:"credGen,omitempty"` // absent on items written before it: 0
	Version      int64  `dynamodbav:"version"`
}

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
	Failures    int    `dynamodbav:"failures"`
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

func marshalItem(v any) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(v)
}

func newUserItem(u *todo.User, version int64) userItem {
	return userItem{
		Email:        u.Email,
		ID:           u.ID,
		Name:         u.Name,
		PasswordHash: u.PasswordHash,
		Status:       string(u.Status),
		CodeNonce:    u.CodeNonce,
		CodeSentAt:   formatTime(u.CodeSentAt),
		CodeExpires:  formatTime(u.CodeExpires),
		NoticeNonce:  u.NoticeNonce,
		NoticeAt:     formatTime(u.NoticeAt),
		NoticeKind:   string(u.NoticeKind),
		NoticeIP:     u.NoticeIP,
		AlertNonce:   u.AlertNonce,
		AlertAt:      formatTime(u.AlertAt),
		ResetNonce:   u.ResetNonce,
		ResetSentAt:  formatTime(u.ResetSentAt),
		ResetExpires: formatTime(u.ResetExpires),
		CreatedAt:    formatTime(u.CreatedAt),
		UpdatedAt:    formatTime(u.UpdatedAt),
		VerifiedAt:   formatTime(u.VerifiedAt),
		CredGen:      u.CredGen,
		Version:      version,
	}
}

// decodeUser turns a users-table item into a User. It names the attribute
// at fault when the item is not a user.
func decodeUser(m map[string]types.AttributeValue) (*todo.User, error) {
	var it userItem
	if err := attributevalue.UnmarshalMap(m, &it); err != nil {
		return nil, err
	}
	for _, req := range []struct{ attr, value string }{{"email", it.Email}, {"id", it.ID}} {
		if req.value == "" {
			return nil, fmt.Errorf("attribute %s is missing or empty", req.attr)
		}
	}
	if _, ok := m["version"]; !ok {
		return nil, fmt.Errorf("attribute version is missing")
	}
	u := &todo.User{
		ID:           it.ID,
		Email:        it.Email,
		Name:         it.Name,
		PasswordHash: it.PasswordHash,
		Status:       todo.Status(it.Status),
		CodeNonce:    it.CodeNonce,
		NoticeNonce:  it.NoticeNonce,
		NoticeKind:   todo.Notice(it.NoticeKind),
		NoticeIP:     it.NoticeIP,
		AlertNonce:   it.AlertNonce,
		ResetNonce:   it.ResetNonce,
		CredGen:      it.CredGen,
		Version:      it.Version,
	}
	for _, f := range []struct {
		attr, value string
		dst         *time.Time
	}{
		{"codeSentAt", it.CodeSentAt, &u.CodeSentAt},
		{"codeExpires", it.CodeExpires, &u.CodeExpires},
		{"noticeAt", it.NoticeAt, &u.NoticeAt},
		{"alertAt", it.AlertAt, &u.AlertAt},
		{"resetSentAt", it.ResetSentAt, &u.ResetSentAt},
		{"resetExpires", it.ResetExpires, &u.ResetExpires},
		{"createdAt", it.CreatedAt, &u.CreatedAt},
		{"updatedAt", it.UpdatedAt, &u.UpdatedAt},
		{"verifiedAt", it.VerifiedAt, &u.VerifiedAt},
	} {
		t, err := parseTime(f.attr, f.value)
		if err != nil {
			return nil, err
		}
		*f.dst = t
	}
	return u, nil
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
	if err := attributevalue.UnmarshalMap(m, &it); err != nil {
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

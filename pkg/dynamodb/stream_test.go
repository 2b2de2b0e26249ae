package dynamodb_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// dynalite has no Streams API, so these fixtures are hand-written. They
// follow the documented DynamoDB Streams record format as Lambda delivers it
// (eventName INSERT/MODIFY/REMOVE, eventSource aws:dynamodb, and the
// "dynamodb" object with Keys, NewImage, OldImage and StreamViewType, images
// in the attribute-value JSON encoding), with the items this package writes.
// TestStreamImagesMatchStoredItems checks that last part against dynalite.

func loadRecord(tb testing.TB, name string) dynamodb.StreamRecord {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var rec dynamodb.StreamRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return rec
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err) // test fixtures only
	}
	return t
}

func TestUserChange(t *testing.T) {
	pending := &todo.User{
		ID:           "01KB3QJ7M0A5Y6N9T2V8X4Z1QD",
		Email:        "ann@example.com",
		Name:         "Ann Example",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
		Status:       todo.StatusPending,
		CodeNonce:    "nonce-1",
		CodeSentAt:   at("2026-11-27T10:00:00Z"),
		CodeExpires:  at("2026-11-27T10:15:00Z"),
		CreatedAt:    at("2026-11-27T10:00:00Z"),
		UpdatedAt:    at("2026-11-27T10:00:00Z"),
		Version:      1,
	}
	verified := &todo.User{
		ID:           pending.ID,
		Email:        pending.Email,
		Name:         pending.Name,
		PasswordHash: pending.PasswordHash,
		Status:       todo.StatusVerified,
		NoticeNonce:  "notice-1",
		NoticeAt:     at("2026-11-27T10:00:30.5Z"),
		CreatedAt:    at("2026-11-27T10:00:00Z"),
		UpdatedAt:    at("2026-11-27T10:01:00Z"),
		VerifiedAt:   at("2026-11-27T10:01:00.123Z"),
		Version:      2,
	}
	removed := &todo.User{
		ID:        "01KB3QJ7M0B6Z7P0V3W9Y5A2RE",
		Email:     "bob@example.com",
		Status:    todo.StatusPending,
		CreatedAt: at("2026-11-27T09:00:00Z"),
		UpdatedAt: at("2026-11-27T09:30:00Z"),
		Version:   4,
	}
	tests := []struct {
		name string
		file string
		want todo.UserChange
	}{
		{name: "insert", file: "insert.json", want: todo.UserChange{New: pending}},
		{name: "modify", file: "modify.json", want: todo.UserChange{Old: pending, New: verified}},
		{name: "remove", file: "remove.json", want: todo.UserChange{Old: removed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dynamodb.UserChange(loadRecord(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("UserChange:\n got old %+v\n     new %+v\nwant old %+v\n     new %+v", got.Old, got.New, tt.want.Old, tt.want.New)
			}
		})
	}
}

func TestUserChangeMalformed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "malformed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recs map[string]dynamodb.StreamRecord
	if err := json.Unmarshal(data, &recs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string // a key of malformed.json
		wantErr string // a part of the error message that names the fault
	}{
		{name: "keys-only-insert", wantErr: `INSERT event without NewImage (stream view type "KEYS_ONLY"`},
		{name: "modify-without-old-image", wantErr: `MODIFY event without OldImage (stream view type "NEW_IMAGE"`},
		{name: "unknown-event-name", wantErr: `unknown event name "UPSERT"`},
		{name: "other-event-source", wantErr: `event source "aws:kinesis" is not aws:dynamodb`},
		{name: "version-not-a-number", wantErr: "NewImage is not a user"},
		{name: "todo-item-not-a-user", wantErr: "OldImage is not a user: attribute email is missing or empty"},
		{name: "time-not-rfc3339", wantErr: "attribute createdAt"},
		{name: "version-missing", wantErr: "attribute version is missing"},
	}
	var names []string
	for _, tt := range tests {
		names = append(names, tt.name)
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := recs[tt.name]
			if !ok {
				t.Fatalf("no fixture %q in malformed.json", tt.name)
			}
			got, err := dynamodb.UserChange(rec)
			if err == nil {
				t.Fatalf("UserChange = %+v, want an error", got)
			}
			if !strings.HasPrefix(err.Error(), "dynamodb: stream record "+rec.EventID+": ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %q, want it to name the record and contain %q", err, tt.wantErr)
			}
			if got.Old != nil || got.New != nil {
				t.Fatalf("UserChange returned %+v with an error", got)
			}
		})
	}
	// Every fixture is covered, so none is dead.
	var keys []string
	for k := range recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sort.Strings(names)
	if !reflect.DeepEqual(keys, names) {
		t.Fatalf("fixtures %v, cases %v", keys, names)
	}
}

// TestStreamImagesMatchStoredItems writes a user through the store, reads
// the stored item back as a stream image would carry it (the same
// attribute-value JSON), and decodes it with UserChange: the round trip
// proves the fixtures' shape is the shape this package writes.
func TestStreamImagesMatchStoredItems(t *testing.T) {
	cfg := NewConfig(t)
	s, ctx := MustOpen(t, cfg), context.Background()
	u := storetest.NewUser("stream@example.com")
	u.NoticeNonce, u.NoticeAt = "n-1", time.Date(2026, 11, 27, 10, 0, 0, 123_000_000, time.UTC)
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	out, err := rawClient(cfg).GetItem(ctx, getUserInput(cfg, u.Email))
	if err != nil {
		t.Fatal(err)
	}
	rec := dynamodb.StreamRecord{
		EventID:     "roundtrip",
		EventName:   "INSERT",
		EventSource: "aws:dynamodb",
		Change: dynamodb.StreamChange{
			NewImage:       toStreamImage(t, out.Item),
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
	got, err := dynamodb.UserChange(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got.Old != nil || got.New == nil || !reflect.DeepEqual(*got.New, utc(*u)) {
		t.Fatalf("decoded %+v, want New %+v", got.New, utc(*u))
	}
}

func utc(u todo.User) todo.User {
	for _, p := range []*time.Time{&u.CodeSentAt, &u.CodeExpires, &u.NoticeAt, &u.CreatedAt, &u.UpdatedAt, &u.VerifiedAt} {
		if !p.IsZero() {
			*p = p.UTC()
		}
	}
	return u
}

func getUserInput(cfg dynamodb.Config, email string) *ddb.GetItemInput {
	return &ddb.GetItemInput{
		TableName:      aws.String(cfg.UsersTable),
		Key:            map[string]types.AttributeValue{"email": &types.AttributeValueMemberS{Value: email}},
		ConsistentRead: aws.Bool(true),
	}
}

// toStreamImage re-encodes a stored item in the attribute-value JSON of a
// stream record and decodes it as Lambda does. It knows the types this
// package writes.
func toStreamImage(tb testing.TB, item map[string]types.AttributeValue) dynamodb.Image {
	tb.Helper()
	wire := make(map[string]map[string]any, len(item))
	for k, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			wire[k] = map[string]any{"S": v.Value}
		case *types.AttributeValueMemberN:
			wire[k] = map[string]any{"N": v.Value}
		case *types.AttributeValueMemberBOOL:
			wire[k] = map[string]any{"BOOL": v.Value}
		default:
			tb.Fatalf("attribute %s: unexpected type %T", k, v)
		}
	}
	data, err := json.Marshal(wire)
	if err != nil {
		tb.Fatal(err)
	}
	var img dynamodb.Image
	if err := json.Unmarshal(data, &img); err != nil {
		tb.Fatal(err)
	}
	return img
}

// TestStreamImage checks each attribute type against the attribute-value
// JSON of a stream record.
func TestStreamImage(t *testing.T) {
	item := map[string]types.AttributeValue{
		"s":    &types.AttributeValueMemberS{Value: "x"},
		"n":    &types.AttributeValueMemberN{Value: "12"},
		"bool": &types.AttributeValueMemberBOOL{Value: true},
		"null": &types.AttributeValueMemberNULL{Value: true},
		"b":    &types.AttributeValueMemberB{Value: []byte("hi")},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{[]byte("a")}},
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "y"}}},
		"m":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberN{Value: "3"}}},
	}
	img, err := dynamodb.StreamImage(item)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	_ = json.Unmarshal(data, &got)
	_ = json.Unmarshal([]byte(`{"s":{"S":"x"},"n":{"N":"12"},"bool":{"BOOL":true},"null":{"NULL":true},"b":{"B":"aGk="},
		"ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},"bs":{"BS":["YQ=="]},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"3"}}}}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("image JSON %s", data)
	}

	bad := map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.UnknownUnionMember{Tag: "X"}}}}
	if _, err := dynamodb.StreamImage(bad); err == nil {
		t.Fatal("an unknown attribute type converted")
	}
}

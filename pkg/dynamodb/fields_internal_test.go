package dynamodb

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fieldCases are each item type empty and full, as values.
var fieldCases = []any{
	todoItem{}, todoItem{UserID: "u1", ID: "t1", Title: "Buy milk ✓", Done: true, CreatedAt: "2026-12-06T10:00:00Z",
		UpdatedAt: "2026-12-06T10:00:01.5Z", Version: 7},
	todoItem{UserID: "u1", ID: "t2", Version: 1},
	claimItem{}, claimItem{Key: "claim:k", Value: "sending:x", Expires: 1764237600},
	throttleItem{}, throttleItem{Key: "throttle:a", Failures: 3, WindowStart: "2026-12-06T10:00:00Z",
		LockedUntil: "2026-12-06T10:05:00Z", Expires: 1764237600, Version: 2},
	sessionItem{}, sessionItem{UserID: "u1", ID: "s1", TokenHash: "h", PrevHash: "p", RotatedAt: "r", NextSealed: "n",
		CreatedAt: "c", LastUsedAt: "l", ExpiresAt: "e", Expires: 9, ClientIP: "127.0.0.2", Email: "a@example.com",
		Spent: []string{"x", "y"}, CredGen: 4, Version: 3},
	sessionItem{UserID: "u1", ID: "s2", Spent: []string{}, Version: 1},
}

// TestFieldsAreAttributevalues: every item type encodes, field by field,
// to what the SDK's attributevalue.MarshalMap made of its dynamodbav tags
// (so items written before read back, and new ones read in old code), and
// each side decodes the other's item to the same value.
func TestFieldsAreAttributevalues(t *testing.T) {
	for _, v := range fieldCases {
		want, err := attributevalue.MarshalMap(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalItem(v)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T %+v:\n got %#v\nwant %#v", v, v, got, want)
		}
		// Decoding the SDK's item with the fields, and ours with the SDK.
		back := reflect.New(reflect.TypeOf(v))
		if err := decodeFields(want, back.Interface().(interface{ fields() []field }).fields()); err != nil {
			t.Fatalf("%T: decode: %v", v, err)
		}
		sdk := reflect.New(reflect.TypeOf(v))
		if err := attributevalue.UnmarshalMap(got, sdk.Interface()); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normalize(back.Elem().Interface()), normalize(v)) || !reflect.DeepEqual(normalize(sdk.Elem().Interface()), normalize(v)) {
			t.Errorf("%T round trip: fields %+v, attributevalue %+v, want %+v", v, back.Elem().Interface(), sdk.Elem().Interface(), v)
		}
	}
}

// normalize treats an empty Spent list as none (both decode to no hashes).
func normalize(v any) any {
	if s, ok := v.(sessionItem); ok && len(s.Spent) == 0 {
		s.Spent = nil
		return s
	}
	return v
}

// TestDecodeFieldsRefusesOtherTypes: an attribute of another type than its
// field's is an error naming it; NULL and missing attributes read as zero;
// unknown attributes are ignored.
func TestDecodeFieldsRefusesOtherTypes(t *testing.T) {
	for _, tc := range []struct {
		item map[string]types.AttributeValue
		want string
	}{
		{map[string]types.AttributeValue{"version": str("1")}, "attribute version is *types.AttributeValueMemberS, want a number"},
		{map[string]types.AttributeValue{"done": str("true")}, "attribute done is *types.AttributeValueMemberS, want a bool"},
		{map[string]types.AttributeValue{"id": &types.AttributeValueMemberN{Value: "1"}}, "attribute id is *types.AttributeValueMemberN, want a string"},
		{map[string]types.AttributeValue{"version": &types.AttributeValueMemberN{Value: "x"}}, "attribute version: strconv.ParseInt"},
	} {
		var it todoItem
		if err := decodeFields(tc.item, it.fields()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.item, err, tc.want)
		}
	}
	var s sessionItem
	err := decodeFields(map[string]types.AttributeValue{"spent": &types.AttributeValueMemberL{Value: []types.AttributeValue{str("a"), &types.AttributeValueMemberN{Value: "1"}}}}, s.fields())
	if err == nil || !strings.Contains(err.Error(), "attribute spent: element 1") {
		t.Errorf("a list with a number: %v", err)
	}
	it := todoItem{Title: "kept"}
	if err := decodeFields(map[string]types.AttributeValue{"title": &types.AttributeValueMemberNULL{Value: true}, "other": str("x")}, it.fields()); err != nil || it.Title != "kept" {
		t.Errorf("NULL and unknown attributes: %v, title %q", err, it.Title)
	}
	if _, err := marshalItem(struct{}{}); err == nil {
		t.Error("marshalItem encoded a type without fields")
	}
}

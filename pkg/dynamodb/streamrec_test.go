package dynamodb_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// viaLambda sends records through the JSON a Lambda event travels as and
// decodes them as the mailer does.
func viaLambda(t *testing.T, recs []events.DynamoDBEventRecord) []todo.UserChange {
	t.Helper()
	data, err := json.Marshal(events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	var out []todo.UserChange
	for _, rec := range ev.Records {
		c, err := dynamodb.UserChange(rec)
		if err != nil {
			t.Fatalf("record %s: %v", rec.EventID, err)
		}
		out = append(out, c)
	}
	return out
}

// TestUsersStream writes users through the store against dynalite and
// checks that polling yields the stream records a users-table stream would
// carry, which decode back to the users written.
func TestUsersStream(t *testing.T) {
	cfg := NewConfig(t)
	s, ctx := MustOpen(t, cfg), context.Background()
	st, err := dynamodb.NewUsersStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	poll := func(want ...events.DynamoDBOperationType) []events.DynamoDBEventRecord {
		t.Helper()
		recs, err := st.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(want) {
			t.Fatalf("got %d records, want %v", len(recs), want)
		}
		for i, r := range recs {
			if r.EventName != string(want[i]) || r.EventSource != "aws:dynamodb" || r.Change.StreamViewType != "NEW_AND_OLD_IMAGES" {
				t.Fatalf("record %d: %s from %s (%s), want %s", i, r.EventName, r.EventSource, r.Change.StreamViewType, want[i])
			}
		}
		return recs
	}
	poll()

	ann, bob := storetest.NewUser("ann.stream@example.com"), storetest.NewUser("bob.stream@example.com")
	for _, u := range []*todo.User{bob, ann} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	ins := poll(events.DynamoDBOperationTypeInsert, events.DynamoDBOperationTypeInsert)
	got := viaLambda(t, ins)
	if got[0].Old != nil || !reflect.DeepEqual(*got[0].New, utc(*ann)) || !reflect.DeepEqual(*got[1].New, utc(*bob)) {
		t.Fatalf("inserts decode to %+v / %+v, want Ann then Bob", got[0].New, got[1].New)
	}
	if k := ins[0].Change.Keys["email"]; k.DataType() != events.DataTypeString || k.String() != ann.Email {
		t.Fatalf("keys %v", ins[0].Change.Keys)
	}
	poll() // nothing changed

	before := utc(*ann)
	ann.Status, ann.CodeNonce = todo.StatusVerified, ""
	if err := s.UpdateUser(ctx, ann); err != nil {
		t.Fatal(err)
	}
	mod := poll(events.DynamoDBOperationTypeModify)
	got = viaLambda(t, mod)
	if !reflect.DeepEqual(*got[0].Old, before) || !reflect.DeepEqual(*got[0].New, utc(*ann)) {
		t.Fatalf("modify decodes to %+v -> %+v", got[0].Old, got[0].New)
	}
	if mod[0].Change.SequenceNumber <= ins[1].Change.SequenceNumber || len(mod[0].Change.SequenceNumber) != 21 {
		t.Fatalf("sequence numbers %s then %s", ins[1].Change.SequenceNumber, mod[0].Change.SequenceNumber)
	}

	if _, err := rawClient(cfg).DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String(cfg.UsersTable),
		Key: map[string]types.AttributeValue{"email": &types.AttributeValueMemberS{Value: bob.Email}}}); err != nil {
		t.Fatal(err)
	}
	got = viaLambda(t, poll(events.DynamoDBOperationTypeRemove))
	if got[0].New != nil || got[0].Old.Email != bob.Email {
		t.Fatalf("remove decodes to %+v -> %+v", got[0].Old, got[0].New)
	}
}

func TestUsersStreamScanError(t *testing.T) {
	cfg := NewConfig(t) // tables never created
	st, err := dynamodb.NewUsersStream(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Poll(context.Background()); err == nil {
		t.Fatal("Poll of a missing table succeeded")
	}
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

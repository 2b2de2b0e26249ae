package dynamostreamtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/internal/dynamostreamtest"
	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

var tableSeq atomic.Int64

func newConfig(tb testing.TB) dynamodb.Config {
	p := fmt.Sprintf("s%d_", tableSeq.Add(1))
	return dynamodb.Config{Region: "us-east-1", Endpoint: dynalitetest.Endpoint(tb),
		UsersTable: p + "users", TodosTable: p + "todos", KeysTable: p + "keys"}
}

// viaLambda sends records through the JSON a Lambda event travels as and
// decodes them as the mailer does.
func viaLambda(t *testing.T, recs []dynamodb.StreamRecord) []todo.UserChange {
	t.Helper()
	data, err := json.Marshal(dynamodb.StreamEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if !dynamodb.IsStreamEvent(data) {
		t.Fatalf("not recognised as a DynamoDB stream event: %s", data)
	}
	var ev dynamodb.StreamEvent
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

// utc is u with its times in UTC, as the store returns them.
func utc(u todo.User) todo.User {
	u.CreatedAt, u.UpdatedAt, u.CodeSentAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), u.CodeSentAt.UTC()
	return u
}

// TestUsersStream writes users through the store against dynalite and
// checks that polling yields the stream records a users-table stream would
// carry, which decode back to the users written.
func TestUsersStream(t *testing.T) {
	cfg := newConfig(t)
	ctx := context.Background()
	if err := dynamodb.CreateTables(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	s, err := dynamodb.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := dynamostreamtest.New(cfg.Endpoint, cfg.Region, cfg.UsersTable)
	poll := func(want ...string) []dynamodb.StreamRecord {
		t.Helper()
		recs, err := st.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(want) {
			t.Fatalf("got %d records, want %v", len(recs), want)
		}
		for i, r := range recs {
			if r.EventName != want[i] || r.EventSource != "aws:dynamodb" || r.Change.StreamViewType != "NEW_AND_OLD_IMAGES" {
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
	ins := poll("INSERT", "INSERT")
	got := viaLambda(t, ins)
	if got[0].Old != nil || !reflect.DeepEqual(*got[0].New, utc(*ann)) || !reflect.DeepEqual(*got[1].New, utc(*bob)) {
		t.Fatalf("inserts decode to %+v / %+v, want Ann then Bob", got[0].New, got[1].New)
	}
	if k := string(ins[0].Change.Keys["email"]); k != `{"S":"`+ann.Email+`"}` {
		t.Fatalf("keys %s", k)
	}
	poll() // nothing changed

	before := utc(*ann)
	ann.Status, ann.CodeNonce = todo.StatusVerified, ""
	if err := s.UpdateUser(ctx, ann); err != nil {
		t.Fatal(err)
	}
	mod := poll("MODIFY")
	got = viaLambda(t, mod)
	if !reflect.DeepEqual(*got[0].Old, before) || !reflect.DeepEqual(*got[0].New, utc(*ann)) {
		t.Fatalf("modify decodes to %+v -> %+v", got[0].Old, got[0].New)
	}
	if mod[0].Change.SequenceNumber <= ins[1].Change.SequenceNumber || len(mod[0].Change.SequenceNumber) != 21 {
		t.Fatalf("sequence numbers %s then %s", ins[1].Change.SequenceNumber, mod[0].Change.SequenceNumber)
	}
	if mod[0].Change.ApproximateCreationDateTime < time.Now().Add(-time.Hour).Unix() {
		t.Fatalf("ApproximateCreationDateTime %d", mod[0].Change.ApproximateCreationDateTime)
	}

	deleteUser(t, cfg, bob.Email)
	got = viaLambda(t, poll("REMOVE"))
	if got[0].New != nil || got[0].Old.Email != bob.Email {
		t.Fatalf("remove decodes to %+v -> %+v", got[0].Old, got[0].New)
	}
}

// deleteUser removes a user behind the store's back (the store has no such
// call), with one DeleteItem in DynamoDB's JSON protocol.
func deleteUser(t *testing.T, cfg dynamodb.Config, email string) {
	t.Helper()
	body := `{"TableName":"` + cfg.UsersTable + `","Key":{"email":{"S":"` + email + `"}}}`
	req, _ := http.NewRequest(http.MethodPost, cfg.Endpoint, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DeleteItem")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("DeleteItem: HTTP %d", res.StatusCode)
	}
}

func TestUsersStreamScanError(t *testing.T) {
	cfg := newConfig(t) // tables never created
	st := dynamostreamtest.New(cfg.Endpoint, cfg.Region, cfg.UsersTable)
	if _, err := st.Poll(context.Background()); err == nil {
		t.Fatal("Poll of a missing table succeeded")
	}
}

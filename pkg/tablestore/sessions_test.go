package tablestore_test

import (
	"context"
	"strings"
	"testing"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/tablestore/trigger"
)

// TestSessionsTableTTL: the sessions table's time to live is the 30-day
// session lifetime, the keys table's a week; the others have none.
func TestSessionsTableTTL(t *testing.T) {
	cfg := NewConfig(NewServer(t))
	MustOpen(t, cfg)
	c := rawClient(cfg)
	for table, want := range map[string]int{cfg.SessionsTable: 30 * 24 * 3600, cfg.UsersTable: -1, cfg.TodosTable: -1, cfg.KeysTable: 7 * 24 * 3600} {
		out, err := c.DescribeTable(&ots.DescribeTableRequest{TableName: table})
		if err != nil {
			t.Fatal(err)
		}
		if got := out.TableOption.TimeToAlive; got != want {
			t.Errorf("table %s: TimeToAlive = %d, want %d", table, got, want)
		}
		if table == cfg.SessionsTable && len(out.TableMeta.SchemaEntry) != 2 {
			t.Errorf("sessions primary key = %d columns, want userId, id", len(out.TableMeta.SchemaEntry))
		}
	}
}

func TestSessionsWithoutTable(t *testing.T) {
	cfg := NewConfig(NewServer(t))
	cfg.SessionsTable = ""
	s := MustOpen(t, cfg)
	_, err := s.DeleteSessions(context.Background(), "u1", "")
	if err == nil || !strings.Contains(err.Error(), "no SessionsTable configured") {
		t.Fatalf("DeleteSessions without a sessions table = %v", err)
	}
}

// TestDeleteUserStream: the users stream carries the removal, which the
// trigger decoder turns into a change with no New image.
func TestDeleteUserStream(t *testing.T) {
	srv := NewServer(t)
	cfg := NewConfig(srv)
	s, ctx := MustOpen(t, cfg), context.Background()
	u := storetest.NewUser("gone@example.com")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.Email); err != nil {
		t.Fatal(err)
	}
	recs := srv.Changes(testInstance, cfg.UsersTable, 0)
	if len(recs) != 2 || recs[1].Type != "DeleteRow" {
		t.Fatalf("stream records %+v, want the put and a DeleteRow", recs)
	}
	payload, err := tablestoretest.TriggerPayload(recs[1:])
	if err != nil {
		t.Fatal(err)
	}
	changes, err := trigger.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].New != nil {
		t.Fatalf("changes %+v, want one without New", changes)
	}
}

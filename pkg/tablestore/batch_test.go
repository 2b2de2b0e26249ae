package tablestore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/todo"
)

// seedTodos writes n todos of userID straight through the SDK, 200 a call,
// so a test of the purge does not pay for n single writes.
func seedTodos(tb testing.TB, srv *tablestoretest.Server, userID string, n int) {
	tb.Helper()
	cfg := NewConfig(srv)
	c := ots.NewClientWithConfig(cfg.Endpoint, cfg.Instance, cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken, nil)
	for i := 0; i < n; {
		req := &ots.BatchWriteRowRequest{}
		for ; i < n && len(req.RowChangesGroupByTable[cfg.TodosTable]) < tablestoretest.MaxBatchWriteRows; i++ {
			ch := &ots.PutRowChange{TableName: cfg.TodosTable, Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_IGNORE}}
			ch.PrimaryKey = new(ots.PrimaryKey)
			ch.PrimaryKey.AddPrimaryKeyColumn("userId", userID)
			ch.PrimaryKey.AddPrimaryKeyColumn("id", ulid.Make().String())
			ch.AddColumn("title", fmt.Sprint("todo ", i))
			ch.AddColumn("version", int64(1))
			req.AddRowChange(ch)
		}
		out, err := c.BatchWriteRow(req)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range out.TableToRowsResult[cfg.TodosTable] {
			if !r.IsSucceed {
				tb.Fatalf("seed row %d: %s", r.Index, r.Error.Code)
			}
		}
	}
}

// TestDeleteTodosFullList: deleting an account's full list (the 5,000-todo
// quota) takes BatchWriteRow calls of 200 rows, not a request per todo,
// and ends well within a function's 10 s timeout.
func TestDeleteTodosFullList(t *testing.T) {
	const n = 5000
	srv := NewServer(t)
	s, ctx := MustOpen(t, NewConfig(srv)), context.Background()
	seedTodos(t, srv, "ann", n)
	seedTodos(t, srv, "bob", 3)
	srv.FailNextRows(3, tablestoretest.ServerBusy) // three rows of the first batch fail and are sent again
	before, start := srv.Requests(), time.Now()
	got, err := s.DeleteTodos(ctx, "ann")
	took := time.Since(start)
	if err != nil || got != n {
		t.Fatalf("DeleteTodos = %d, %v; want %d", got, err, n)
	}
	reqs := srv.Requests() - before
	t.Logf("deleted %d todos in %v with %d requests", n, took, reqs)
	if want := n/200 + 1 + 1 + 2; reqs > want { // the batches, the resend, and the range pages
		t.Fatalf("%d requests, want at most %d", reqs, want)
	}
	if took > 10*time.Second {
		t.Fatalf("took %v, want within 10 s", took)
	}
	page, err := s.Todos(ctx, "ann", todo.TodoQuery{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("after DeleteTodos: %d todos, %v", len(page.Items), err)
	}
	if page, err := s.Todos(ctx, "bob", todo.TodoQuery{}); err != nil || len(page.Items) != 3 {
		t.Fatalf("another user's list: %d todos, %v; want 3", len(page.Items), err)
	}
}

// TestDeleteTodosRowKeepsFailing: a row the service keeps refusing fails
// the purge after a bounded number of resends, as Unavailable for a
// throttling code.
func TestDeleteTodosRowKeepsFailing(t *testing.T) {
	srv := NewServer(t)
	s := MustOpen(t, NewConfig(srv))
	seedTodos(t, srv, "ann", 1)
	srv.FailNextRows(4, tablestoretest.FlowControl)
	_, err := s.DeleteTodos(context.Background(), "ann")
	storetest.WantUnavailable(t, err)
	if got, err := s.DeleteTodos(context.Background(), "ann"); err != nil || got != 1 {
		t.Fatalf("DeleteTodos once the service relents = %d, %v; want 1", got, err)
	}
}

// TestKeysTableTTL: the keys table's 7-day time to live, modelled by the
// double per cell, drops a claim a week after its last write whatever its
// own expiry, as keysTTL says ("a budget with a window longer than a week
// would be forgotten early").
func TestKeysTableTTL(t *testing.T) {
	srv := NewServer(t)
	s, ctx := MustOpen(t, NewConfig(srv)), context.Background()
	far := time.Now().Add(30 * 24 * time.Hour)
	if _, fresh, err := s.Claim(ctx, "k", "a", far); err != nil || !fresh {
		t.Fatalf("Claim = %v, %v", fresh, err)
	}
	srv.Age(6 * 24 * time.Hour)
	if held, fresh, err := s.Claim(ctx, "k", "b", far); err != nil || fresh || held != "a" {
		t.Fatalf("after 6 days: Claim = %q, %v, %v; want a, held", held, fresh, err)
	}
	srv.Age(2 * 24 * time.Hour)
	if held, fresh, err := s.Claim(ctx, "k", "b", far); err != nil || !fresh || held != "b" {
		t.Fatalf("after 8 days: Claim = %q, %v, %v; want b, fresh: the row is past the table's TTL", held, fresh, err)
	}
}

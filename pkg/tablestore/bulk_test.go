package tablestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/todo"
)

// TestBulkOneRequestRowFailuresResent: a bulk change of a batch is one
// BatchWriteRow; rows the service fails on their own (is_ok false, the
// request answering 200) were not applied and are sent again, the rest
// stay applied once, and the count is of the todos changed.
func TestBulkOneRequestRowFailuresResent(t *testing.T) {
	srv := NewServer(t)
	s, ctx := MustOpen(t, NewConfig(srv)), context.Background()
	seedTodos(t, srv, "ann", 60)
	active := false
	page, err := s.Todos(ctx, "ann", todo.TodoQuery{Limit: todo.MaxBatch, Done: &active})
	if err != nil || len(page.Items) != 60 {
		t.Fatalf("seeded list: %d todos, %v", len(page.Items), err)
	}
	srv.FailNextRows(4, tablestoretest.ServerBusy)
	before := srv.Requests()
	n, err := s.MarkTodos(ctx, "ann", page.Items, true, time.Now())
	if err != nil || n != 60 {
		t.Fatalf("MarkTodos = %d, %v; want 60", n, err)
	}
	if reqs := srv.Requests() - before; reqs != 2 {
		t.Fatalf("%d requests, want 2 (the batch and the resend of its failed rows)", reqs)
	}
	for _, td := range page.Items[:5] {
		got, err := s.Todo(ctx, "ann", td.ID)
		if err != nil || !got.Done || got.Version != td.Version+1 {
			t.Fatalf("after MarkTodos: %+v, %v; want done at version %d", got, err, td.Version+1)
		}
	}

	done := true
	page, err = s.Todos(ctx, "ann", todo.TodoQuery{Limit: todo.MaxBatch, Done: &done})
	if err != nil || len(page.Items) != 60 {
		t.Fatalf("marked list: %d todos, %v", len(page.Items), err)
	}
	srv.FailNextRows(2, tablestoretest.ServerBusy)
	n, err = s.ClearTodos(ctx, "ann", page.Items)
	if err != nil || n != 60 {
		t.Fatalf("ClearTodos = %d, %v; want 60", n, err)
	}
	if page, err := s.Todos(ctx, "ann", todo.TodoQuery{Limit: 1}); err != nil || len(page.Items) != 0 {
		t.Fatalf("after ClearTodos: %d todos, %v", len(page.Items), err)
	}
}

// TestBulkRowKeepsFailing: a row the service keeps refusing fails the
// bulk change after a bounded number of resends (4 rounds in all), as
// Unavailable, and nothing is counted as changed.
func TestBulkRowKeepsFailing(t *testing.T) {
	srv := NewServer(t)
	s, ctx := MustOpen(t, NewConfig(srv)), context.Background()
	seedTodos(t, srv, "ann", 1)
	page, err := s.Todos(ctx, "ann", todo.TodoQuery{Limit: todo.MaxBatch})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNextRows(4, tablestoretest.ServerBusy)
	n, err := s.ClearTodos(ctx, "ann", page.Items)
	if todo.ErrorCode(err) != todo.Unavailable || n != 0 {
		t.Fatalf("ClearTodos = %d, %v; want 0 and Unavailable", n, err)
	}
	if _, err := s.Todo(ctx, "ann", page.Items[0].ID); err != nil {
		t.Fatalf("the todo whose row kept failing: %v; want it still there", err)
	}
}

package dynamodb_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/pkg/dynamodb"
)

// The tests share one dynalite process (see dynalitetest). Each store a test
// opens gets its own tables, so tests stay independent.

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

// Endpoint is dynalite's URL (see dynalitetest.Endpoint).
func Endpoint(tb testing.TB) string { return dynalitetest.Endpoint(tb) }

var tableSeq atomic.Int64

// NewConfig returns a Config for dynalite with table names no other test
// uses.
func NewConfig(tb testing.TB) dynamodb.Config {
	tb.Helper()
	p := fmt.Sprintf("t%d_", tableSeq.Add(1))
	return dynamodb.Config{
		Region:        "us-east-1",
		Endpoint:      Endpoint(tb),
		UsersTable:    p + "users",
		TodosTable:    p + "todos",
		KeysTable:     p + "keys",
		SessionsTable: p + "sessions",
	}
}

// MustOpen creates cfg's tables, opens a store on them and closes it in
// tb.Cleanup.
func MustOpen(tb testing.TB, cfg dynamodb.Config) *dynamodb.Store {
	tb.Helper()
	ctx := context.Background()
	if err := dynamodb.CreateTables(ctx, cfg); err != nil {
		tb.Fatal(err)
	}
	s, err := dynamodb.Open(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

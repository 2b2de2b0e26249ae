package tablestore_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/todo"
)

// TestLive runs the conformance suite against a real Tablestore instance.
// It is opt-in: set TODOFN_TABLESTORE_LIVE=1, TODOFN_TABLESTORE_ENDPOINT,
// TODOFN_TABLESTORE_INSTANCE and ALIBABA_CLOUD_ACCESS_KEY_ID /
// ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS
// credentials). It creates three tables with a unique prefix, shares them
// between the suite's parts (which use distinct keys), and deletes them at
// the end.
func TestLive(t *testing.T) {
	if os.Getenv("TODOFN_TABLESTORE_LIVE") != "1" {
		t.Skip("set TODOFN_TABLESTORE_LIVE=1 (with TODOFN_TABLESTORE_ENDPOINT, TODOFN_TABLESTORE_INSTANCE and ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET) to run against a real instance")
	}
	prefix := fmt.Sprintf("todofn_test_%d_", time.Now().UnixNano())
	cfg := tablestore.Config{
		Endpoint:        os.Getenv("TODOFN_TABLESTORE_ENDPOINT"),
		Instance:        os.Getenv("TODOFN_TABLESTORE_INSTANCE"),
		AccessKeyID:     os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"),
		AccessKeySecret: os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
		SecurityToken:   os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN"),
		UsersTable:      prefix + "users",
		TodosTable:      prefix + "todos",
		KeysTable:       prefix + "keys",
		SessionsTable:   prefix + "sessions",
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	raw := rawClient(cfg)
	t.Cleanup(func() {
		for _, name := range []string{cfg.UsersTable, cfg.TodosTable, cfg.KeysTable, cfg.SessionsTable} {
			if _, err := raw.DeleteTable(&ots.DeleteTableRequest{TableName: name}); err != nil {
				t.Errorf("delete table %s: %v", name, err)
			}
		}
	})
	s := MustOpen(t, cfg)
	waitReady(t, s)
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store {
		if now == nil {
			return s
		}
		c := cfg // the same tables, read against the case's clock
		c.Now = now
		return MustOpen(t, c)
	})
}

// waitReady polls until the new tables serve reads, which takes a few
// seconds on the real service; it is bounded to a minute.
func waitReady(t *testing.T, s *tablestore.Store) {
	t.Helper()
	ctx, deadline := context.Background(), time.Now().Add(time.Minute)
	for {
		_, err1 := s.User(ctx, "ready@example.com")
		_, err2 := s.Todo(ctx, "ready", "ready")
		_, err3 := s.Throttle(ctx, "ready")
		_, err4 := s.Session(ctx, "ready", "ready")
		if todo.ErrorCode(err1) == todo.NotFound && todo.ErrorCode(err2) == todo.NotFound &&
			todo.ErrorCode(err3) == todo.NotFound && todo.ErrorCode(err4) == todo.NotFound {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tables not ready after a minute: %v; %v; %v; %v", err1, err2, err3, err4)
		}
		time.Sleep(2 * time.Second)
	}
}

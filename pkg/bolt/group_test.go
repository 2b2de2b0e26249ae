package bolt_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// BenchmarkParallelAdds is the embedded store under the mixed load's write
// side: 32 clients (GOMAXPROCS times 16), each op the seven store writes of
// an add with an Idempotency-Key, a write budget and a quota (claim, budget,
// entering, quota slot, todo, leaving, settle), over 64 owners. Every write
// is a committed, synced transaction when its call returns.
func BenchmarkParallelAdds(b *testing.B) {
	s := MustOpen(b, bolt.Options{})
	ctx := context.Background()
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			uid := fmt.Sprint("user-", n%64)
			now := time.Now()
			exp := now.Add(time.Hour)
			id := ulid.Make().String()
			k := "idem:" + uid + ":" + id
			if _, _, err := s.Claim(ctx, k, "pending", exp); err != nil {
				b.Fatal(err)
			}
			for _, c := range []string{"writes:", "todoquota-adding:", "todoquota:"} {
				if _, _, err := s.AddCount(ctx, c+uid, 1, 0, 1<<40, exp); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.CreateTodo(ctx, &todo.Todo{ID: id, UserID: uid, Title: "load", CreatedAt: now, UpdatedAt: now}); err != nil {
				b.Fatal(err)
			}
			if _, _, err := s.AddCount(ctx, "todoquota-adding:"+uid, -1, 0, 1<<40, exp); err != nil {
				b.Fatal(err)
			}
			if err := s.Settle(ctx, k, "pending", "done", exp); err != nil {
				b.Fatal(err)
			}
		}
	})
}

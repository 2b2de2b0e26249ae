package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// The embedded store is in every binary: it is the local default and needs
// no SDK.
func init() {
	registerEngine(&engine{
		name:     "bolt",
		local:    func(Config) bool { return true },
		problems: func(Config) []string { return nil },
		open: func(_ context.Context, c Config) (todo.Store, error) {
			return bolt.Open(filepath.Join(c.DataDir, "todofn.db"), bolt.Options{Shared: c.BoltShared})
		},
		follow: func(ctx context.Context, s todo.Store, fn func(context.Context, todo.UserChange) error, onError func(uint64, error)) {
			_ = s.(*bolt.Store).Follow(ctx, fn, bolt.FollowOptions{OnError: onError})
		},
		sweep: func(s todo.Store) (int, error) {
			b, now := s.(*bolt.Store), time.Now()
			keys, err := b.Sweep(now)
			if err != nil {
				return keys, err
			}
			sessions, err := b.SweepSessions(now)
			return keys + sessions, err
		},
	})
}

package app

import (
	"context"
	"path/filepath"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// boltEngine is the embedded store, in every binary: it is the local
// default and needs no SDK. Its change feed and sweeper are capabilities of
// its store (changeFeed, sweeper).
func boltEngine() *engine {
	return &engine{
		name:     "bolt",
		local:    func(Config) bool { return true },
		problems: func(Config) []string { return nil },
		open: func(_ context.Context, c Config) (todo.Store, error) {
			return bolt.Open(filepath.Join(c.DataDir, "todofn.db"), bolt.Options{Shared: c.BoltShared})
		},
	}
}

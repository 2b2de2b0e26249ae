//go:build !no_bolt

package app

import (
	"context"
	"path/filepath"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// boltEngine is the embedded store: the local default, needing no SDK.
// The cloud builds leave it out with -tags no_bolt (engine_nobolt.go;
// the Makefile's AWS_TAGS and FC_TAGS), which keeps bbolt out of every
// deployed binary. Its change feed and sweeper are capabilities of its
// store (changeFeed, sweeper).
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

// changeFeed is a store with a change feed of its own (the embedded store:
// the local stand-in for a table stream).
type changeFeed interface {
	Follow(ctx context.Context, fn func(context.Context, todo.UserChange) error, opts bolt.FollowOptions) error
}

var (
	_ changeFeed = (*bolt.Store)(nil)
	_ sweeper    = (*bolt.Store)(nil)
)

// follow starts s's change feed in a goroutine until ctx ends, handing each
// change to fn and each failure of fn to onError, and reports true; or
// reports false at once when s has no change feed.
func follow(ctx context.Context, s todo.Store, fn func(context.Context, todo.UserChange) error, onError func(seq uint64, err error)) bool {
	f, ok := s.(changeFeed)
	if !ok {
		return false
	}
	go f.Follow(ctx, fn, bolt.FollowOptions{OnError: onError})
	return true
}

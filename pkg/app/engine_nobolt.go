//go:build no_bolt

package app

import (
	"context"

	"github.com/todofn/todofn/pkg/todo"
)

// boltEngine is nil in a binary built with no_bolt (the cloud builds).
func boltEngine() *engine { return nil }

// follow reports false: without the embedded store no store has a change
// feed of its own.
func follow(context.Context, todo.Store, func(context.Context, todo.UserChange) error, func(uint64, error)) bool {
	return false
}

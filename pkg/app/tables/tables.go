// Package tables creates the configured engine's tables, for the tools
// that set up a deployment or a local run (cmd/tables, the local cloud,
// tests). It is kept out of the function binaries, which never create
// tables: the engines' table-creation code (waiters, TTL and stream set-up)
// would add about 250 KB to each.
package tables

import (
	"context"
	"fmt"

	"github.com/todofn/todofn/pkg/app"
)

// creators is filled by the engine files' init functions before main runs
// and never changed after; one file per engine, guarded by the engine's
// build tag as in package app.
var creators = map[string]func(ctx context.Context, c app.Config) error{}

// Create creates c's tables if they are missing. The embedded store needs
// none.
func Create(ctx context.Context, c app.Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	create, ok := creators[c.Store]
	if !ok {
		return nil
	}
	if err := create(ctx, c); err != nil {
		return fmt.Errorf("tables: create %s tables: %w", c.Store, err)
	}
	return nil
}

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

// creator creates one engine's tables.
type creator struct {
	engine string
	create func(ctx context.Context, c app.Config) error
}

// creators lists, explicitly, the table creation of each engine built into
// this binary that has tables: one function per engine in a file guarded
// by the engine's build tag as in package app, whose other side
// (no<engine>.go) makes it return nil. The embedded store needs none.
var creators = []*creator{dynamodbCreator(), tablestoreCreator()}

// Create creates c's tables if they are missing. The embedded store needs
// none; another engine without a creator here is an error, not a silent
// success.
func Create(ctx context.Context, c app.Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Store == "bolt" {
		return nil
	}
	for _, cr := range creators {
		if cr != nil && cr.engine == c.Store {
			if err := cr.create(ctx, c); err != nil {
				return fmt.Errorf("tables: create %s tables: %w", c.Store, err)
			}
			return nil
		}
	}
	return fmt.Errorf("tables: no table creation for engine %q in this binary", c.Store)
}

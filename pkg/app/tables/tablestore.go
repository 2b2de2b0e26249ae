//go:build !no_tablestore

package tables

import (
	"context"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/tablestore"
)

func init() {
	creators["tablestore"] = func(ctx context.Context, c app.Config) error {
		return tablestore.CreateTables(ctx, c.Tablestore())
	}
}

//go:build !no_tablestore

package tables

import (
	"context"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/tablestore"
)

func tablestoreCreator() *creator {
	return &creator{engine: "tablestore", create: func(ctx context.Context, c app.Config) error {
		return tablestore.CreateTables(ctx, c.Tablestore())
	}}
}

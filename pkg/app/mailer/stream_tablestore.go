//go:build !no_tablestore

package mailer

import (
	"context"
	"log/slog"

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/tablestore/trigger"
	"github.com/todofn/todofn/pkg/todo"
)

// tablestoreCodec reads Function Compute Tablestore trigger payloads (CBOR,
// or JSON from the console), retried a batch at a time.
func tablestoreCodec() *codec {
	return &codec{engine: "tablestore", claims: trigger.IsEvent, handle: func(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error) {
		return stream.New(log).WholeBatch(ctx, payload, trigger.DecodeStream, fn)
	}}
}

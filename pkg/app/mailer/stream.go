package mailer

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/todo"
)

// codec recognises and handles one engine's stream events: the engine
// decodes them, the mailer's batch policy (package app/stream) handles the
// records. The codecs live here, in the mailer's composition, and not in
// package app, so that no HTTP function links a stream decoder (nor the
// CBOR library of the Tablestore trigger).
type codec struct {
	engine string // the engine whose stream it reads
	// claims reports whether payload is this engine's stream event. It
	// must not claim another engine's events (TestStreamClaimsDisjoint).
	claims func(payload []byte) bool
	handle func(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error)
}

// codecs lists the stream codecs of the engines built into this binary, in
// the order HandleStream asks them to claim a payload. The embedded store
// has none: its change feed is app.App.Follow. An engine a build tag leaves
// out is nil here and dropped.
func codecs() []*codec {
	return slices.DeleteFunc([]*codec{dynamodbCodec(), tablestoreCodec()}, func(c *codec) bool { return c == nil })
}

// ErrNoStream is returned by HandleStream for a payload that no engine
// built into this binary recognises as its stream's event.
var ErrNoStream = errors.New("mailer: the event is not a stream event of an engine in this binary")

// HandleStream decodes a stream event of the users table (a DynamoDB stream
// batch, a Tablestore trigger) with the engine that recognises it, hands
// each change to fn and returns the answer that engine's platform expects.
// An event no engine claims goes to the configured engine's decoder, which
// names what is wrong with it.
func HandleStream(ctx context.Context, a *app.App, payload []byte, fn func(context.Context, todo.UserChange) error) ([]byte, error) {
	cs := codecs()
	for _, c := range cs {
		if c.claims(payload) {
			return c.handle(ctx, payload, fn, a.Log)
		}
	}
	for _, c := range cs {
		if c.engine == a.Config.Store {
			return c.handle(ctx, payload, fn, a.Log)
		}
	}
	return nil, ErrNoStream
}

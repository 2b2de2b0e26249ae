//go:build !no_tablestore

package app

import (
	"context"
	"log/slog"

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/todo"
)

// tablestoreEngine is the Tablestore engine; `-tags no_tablestore` leaves it
// (and its protobuf runtime) out of binaries meant for AWS Lambda
// (engine_notablestore.go). Its stream events are Function Compute
// Tablestore trigger payloads, retried a batch at a time.
func tablestoreEngine() *engine {
	return &engine{
		name:  "tablestore",
		local: func(c Config) bool { return loopback(c.TablestoreEndpoint) },
		problems: func(c Config) []string {
			var p []string
			for _, v := range []struct{ name, value string }{
				{"TABLESTORE_ENDPOINT", c.TablestoreEndpoint}, {"TABLESTORE_INSTANCE", c.TablestoreInstance},
				{"ALIBABA_CLOUD_ACCESS_KEY_ID", c.AccessKeyID}, {"ALIBABA_CLOUD_ACCESS_KEY_SECRET", c.AccessKeySecret},
			} {
				if v.value == "" {
					p = append(p, v.name+" is required with STORE=tablestore")
				}
			}
			return p
		},
		open: func(_ context.Context, c Config) (todo.Store, error) { return tablestore.Open(c.Tablestore()) },
		// A trigger payload (CBOR, or JSON from the console) of this
		// trigger version; HandleStream hands an event no engine claims to
		// the configured engine, whose decoder names what is wrong with it.
		stream: &streamCodec{claims: tablestore.IsTriggerEvent, handle: func(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error) {
			return stream.New(log).WholeBatch(ctx, payload, tablestore.DecodeStream, fn)
		}},
	}
}

// Tablestore is the tablestore engine's configuration.
func (c Config) Tablestore() tablestore.Config {
	return tablestore.Config{Endpoint: c.TablestoreEndpoint, Instance: c.TablestoreInstance,
		AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken,
		UsersTable: c.UsersTable, TodosTable: c.TodosTable, KeysTable: c.KeysTable, SessionsTable: c.SessionsTable,
		CallTimeout: c.StoreCallTimeout, AttemptTimeout: c.StoreAttemptTimeout}
}

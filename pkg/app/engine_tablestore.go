//go:build !no_tablestore

package app

import (
	"context"

	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/todo"
)

// tablestoreEngine is the Tablestore engine; `-tags no_tablestore` leaves it
// (and its protobuf runtime) out of binaries meant for AWS Lambda
// (engine_notablestore.go). The mailer reads its stream (package
// app/mailer).
func tablestoreEngine() *engine {
	return &engine{
		name:     "tablestore",
		local:    func(c Config) bool { return loopback(c.Alibaba.TablestoreEndpoint) },
		problems: requiredFor("tablestore"), // the settings table's Required rows
		open:     func(_ context.Context, c Config) (todo.Store, error) { return tablestore.Open(c.Tablestore()) },
	}
}

// Tablestore is the tablestore engine's configuration.
func (c Config) Tablestore() tablestore.Config {
	return tablestore.Config{Endpoint: c.Alibaba.TablestoreEndpoint, Instance: c.Alibaba.TablestoreInstance,
		AccessKeyID: c.Alibaba.AccessKeyID, AccessKeySecret: c.Alibaba.AccessKeySecret, SecurityToken: c.Alibaba.SecurityToken,
		UsersTable: c.Tables.Users, TodosTable: c.Tables.Todos, KeysTable: c.Tables.Keys, SessionsTable: c.Tables.Sessions,
		CallTimeout: c.Tables.CallTimeout, AttemptTimeout: c.Tables.AttemptTimeout}
}

//go:build !no_tablestore

package app

import (
	"context"
	"errors"
	"strconv"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/todo"
)

// This file builds the Tablestore engine in; `-tags no_tablestore` leaves
// it (and its protobuf runtime) out of binaries meant for AWS Lambda.

func (c Config) tablestore() tablestore.Config {
	return tablestore.Config{Endpoint: c.TablestoreEndpoint, Instance: c.TablestoreInstance,
		AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken,
		UsersTable: c.UsersTable, TodosTable: c.TodosTable, KeysTable: c.KeysTable}
}

func openTablestore(_ context.Context, c Config) (todo.Store, error) {
	return tablestore.Open(c.tablestore())
}

// CreateTablestoreTables creates the configured tables if they are missing.
func CreateTablestoreTables(ctx context.Context, c Config) error {
	return tablestore.CreateTables(ctx, c.tablestore())
}

// handleTablestoreEvent hands each change of a Tablestore trigger payload
// (CBOR, or JSON from the console) to n. Records that do not decode are
// logged and skipped; a failed mail fails the invocation so Function Compute
// retries it (the claims keep the mails already sent from going twice).
func (a *App) handleTablestoreEvent(ctx context.Context, n *account.Notifier, payload []byte) ([]byte, error) {
	changes, err := tablestore.DecodeTrigger(payload)
	var te *tablestore.TriggerError
	if errors.As(err, &te) {
		a.Log.Error("mailer: skipping records that do not decode", "indexes", te.Indexes(), "error", err)
	} else if err != nil {
		a.Log.Error("mailer: skipping an event that does not decode", "error", err)
		return []byte(`{"handled":0}`), nil
	}
	var failed error
	for _, c := range changes {
		if err := n.Handle(ctx, c); err != nil {
			failed = errors.Join(failed, err)
		}
	}
	if failed != nil {
		return nil, failed
	}
	return []byte(`{"handled":` + strconv.Itoa(len(changes)) + `}`), nil
}

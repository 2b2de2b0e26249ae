package tablestore

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"github.com/todofn/todofn/pkg/todo"
)

// HandleStream hands each change of a Tablestore trigger payload (CBOR, or
// JSON from the console) to fn. Records that do not decode are logged and
// skipped; a failed fn fails the invocation so Function Compute retries it
// (the mailer's claims keep the mails already sent from going twice).
func HandleStream(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error) {
	changes, err := DecodeTrigger(payload)
	var te *TriggerError
	if errors.As(err, &te) {
		log.Error("mailer: skipping records that do not decode", "indexes", te.Indexes(), "error", err)
	} else if err != nil {
		log.Error("mailer: skipping an event that does not decode", "error", err)
		return []byte(`{"handled":0}`), nil
	}
	var failed error
	for _, c := range changes {
		if err := fn(ctx, c); err != nil {
			failed = errors.Join(failed, err)
		}
	}
	if failed != nil {
		return nil, failed
	}
	return []byte(`{"handled":` + strconv.Itoa(len(changes)) + `}`), nil
}

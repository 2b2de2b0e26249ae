package tablestore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// StreamMargin is the time HandleStream keeps back before the invocation's
// deadline: it hands no change to fn with less than this left, about what
// one change's mails may take.
const StreamMargin = 10 * time.Second

// deadLetter is a failure of fn that gives a change up (the account
// notifier's DeadLetterError): DeadLetter reports whether this attempt
// gave up, rather than a later delivery of a change given up before.
type deadLetter interface{ DeadLetter() bool }

// HandleStream is HandleStreamWithin with StreamMargin.
func HandleStream(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error) {
	return HandleStreamWithin(ctx, payload, fn, log, StreamMargin)
}

// HandleStreamWithin hands each change of a Tablestore trigger payload
// (CBOR, or JSON from the console) to fn. Records that do not decode are
// logged and skipped; a failed fn fails the invocation so Function Compute
// retries the whole batch (the mailer's claims keep the mails already sent
// from going twice). Once less than margin is left before ctx's deadline it
// hands no more changes to fn and fails the invocation too. The trigger
// has no retry limit and no dead-letter destination (it retries until the
// stream's data expires), so a change whose fn gave it up (an error with a
// DeadLetter method) is acknowledged instead: logged at error level once,
// at the attempt that gave up, with its index in the batch and the error,
// which names the mail.
func HandleStreamWithin(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger, margin time.Duration) ([]byte, error) {
	changes, err := DecodeTrigger(payload)
	var te *TriggerError
	if errors.As(err, &te) {
		log.Error("mailer: skipping records that do not decode", "indexes", te.Indexes(), "error", err)
	} else if err != nil {
		log.Error("mailer: skipping an event that does not decode", "error", err)
		return []byte(`{"handled":0}`), nil
	}
	var failed error
	for i, c := range changes {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < margin {
			log.Warn("mailer: too little time left; Function Compute will retry the batch",
				"left", time.Until(d).Round(time.Millisecond).String(), "records", len(changes)-i, "first_index", i)
			failed = errors.Join(failed, fmt.Errorf("tablestore: %d of %d changes not handled before the deadline", len(changes)-i, len(changes)))
			break
		}
		err := fn(ctx, c)
		var dl deadLetter
		switch {
		case err == nil:
		case errors.As(err, &dl) && dl.DeadLetter():
			log.Error("mailer: mail given up; the change is dead-lettered here and acknowledged", "index", i, "error", err)
		case errors.As(err, &dl):
			log.Debug("mailer: change given up before; acknowledged", "index", i, "error", err)
		default:
			log.Warn("mailer: mail not sent; Function Compute will retry the batch", "index", i, "error", err)
			failed = errors.Join(failed, err)
		}
	}
	if failed != nil {
		return nil, failed
	}
	return []byte(`{"handled":` + strconv.Itoa(len(changes)) + `}`), nil
}

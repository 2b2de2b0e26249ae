package trigger

import (
	"errors"

	"github.com/todofn/todofn/pkg/todo"
)

// DecodeStream decodes a Function Compute Tablestore trigger payload on the
// users table (see Decode): each record becomes a todo.StreamRecord,
// in order, with its change or, for a record Decode skipped, its
// *RecordError. The records carry no ID: the trigger retries whole
// batches. A payload that does not decode at all is an error. What becomes
// of each record is the mailer's batch policy (package app/stream).
func DecodeStream(payload []byte) ([]todo.StreamRecord, error) {
	changes, err := Decode(payload)
	var te *Error
	if err != nil && !errors.As(err, &te) {
		return nil, err
	}
	var bad []RecordError
	if te != nil {
		bad = te.Records // sorted by index
	}
	recs := make([]todo.StreamRecord, 0, len(changes)+len(bad))
	for len(changes) > 0 || len(bad) > 0 {
		if len(bad) > 0 && (bad[0].Index == len(recs) || len(changes) == 0) {
			recs = append(recs, todo.StreamRecord{Err: &Error{Records: bad[:1]}})
			bad = bad[1:]
			continue
		}
		recs = append(recs, todo.StreamRecord{Change: changes[0]})
		changes = changes[1:]
	}
	return recs, nil
}

// IsEvent reports whether payload is a Tablestore trigger event of
// Version, CBOR or JSON, whatever its records hold; it claims no
// other engine's events (a DynamoDB stream event has no Version).
func IsEvent(payload []byte) bool {
	_, err := Decode(payload)
	var te *Error
	return err == nil || errors.As(err, &te)
}

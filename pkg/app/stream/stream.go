// Package stream is the mailer's policy for a batch of users-table stream
// records, the same for every engine: the engines only decode their
// cloud's payload into todo.StreamRecords (as serverless-go-demo keeps its
// stream handling in handlers/dynamodb.go, not in the store), and this
// package decides what a record that does not decode, a failed or given-up
// change and a near deadline mean, logs them, and answers in the form the
// delivering platform reads.
//
// Two platforms deliver batches, with different retry contracts:
//
//   - PerRecord: a Lambda event source mapping with ReportBatchItemFailures
//     retries the records named in batchItemFailures (by sequence number
//     for a DynamoDB stream) and, once its retries are spent, sends them to
//     the mapping's on-failure destination.
//     https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
//   - WholeBatch: a Function Compute Tablestore trigger retries the whole
//     batch when the invocation fails, until the stream's data expires, and
//     has no dead-letter destination, so a change given up is acknowledged
//     here. https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/tablestore-trigger
package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Margin is the time a Policy keeps back by default before the
// invocation's deadline: it hands no record to fn with less than this left,
// about what one record's mails may take.
const Margin = 10 * time.Second

// Decoder turns one platform payload into the batch's records, in order. An
// error means the payload as a whole does not decode.
type Decoder func(payload []byte) ([]todo.StreamRecord, error)

// Handler is what the mailer does with one change.
type Handler func(context.Context, todo.UserChange) error

// Policy is the batch policy. The zero value is not usable: Log is required.
type Policy struct {
	// Margin is the time kept back before ctx's deadline (New sets the
	// constant Margin).
	Margin time.Duration
	// Now is the clock the deadline is read against; time.Now when nil.
	Now func() time.Time
	// Log receives one line per record that is skipped, failed, given up
	// or not reached; nothing for a record handled.
	Log *slog.Logger
}

// New returns the policy with the default Margin and the wall clock.
func New(log *slog.Logger) Policy { return Policy{Margin: Margin, Now: time.Now, Log: log} }

// deadLetter is a failure of fn that gives a change up (the account
// notifier's DeadLetterError): DeadLetter reports whether this attempt gave
// up, rather than a later delivery of a change given up before.
type deadLetter interface{ DeadLetter() bool }

// platform is what a platform does with the records the policy fails, as
// the logs say it.
type platform struct {
	retry  string // what happens to a failed record
	gaveUp string // what happens to a record given up
}

var (
	lambda = platform{retry: "Lambda will retry",
		gaveUp: "the record goes to the failure queue once Lambda's retries are spent"}
	functionCompute = platform{retry: "Function Compute will retry the batch",
		gaveUp: "the change is dead-lettered here and acknowledged"}
)

// verdict is what became of one record.
type verdict int

const (
	handled    verdict = iota
	skipped            // does not decode: retrying cannot help, and it must not hold back the stream
	failed             // fn failed: retry
	gaveUp             // fn gave the change up at this attempt
	gaveUpOnce         // fn had given the change up at an earlier attempt
	notReached         // too little time left to start it
)

// result is what became of one record, and fn's error.
type result struct {
	verdict
	err error
}

// run hands each decoded record to fn until less than Margin is left, and
// returns what became of each record.
func (p Policy) run(ctx context.Context, recs []todo.StreamRecord, fn Handler, pf platform) []result {
	now := p.Now
	if now == nil {
		now = time.Now
	}
	out := make([]result, len(recs))
	for i, r := range recs {
		if d, ok := ctx.Deadline(); ok && d.Sub(now()) < p.Margin {
			p.Log.Warn("mailer: too little time left; "+pf.retry+" the rest",
				"left", d.Sub(now()).Round(time.Millisecond).String(), "records", len(recs)-i, "first_index", i, "first_event_id", r.Event)
			for j := i; j < len(recs); j++ {
				out[j] = result{verdict: notReached}
			}
			break
		}
		if r.Err != nil {
			p.Log.Error("mailer: skipping a record that does not decode", "index", i, "event_id", r.Event, "error", r.Err)
			out[i] = result{verdict: skipped, err: r.Err}
			continue
		}
		err := fn(ctx, r.Change)
		out[i].err = err
		var dl deadLetter
		switch {
		case err == nil:
			out[i].verdict = handled
		case errors.As(err, &dl) && dl.DeadLetter():
			out[i].verdict = gaveUp
			p.Log.Error("mailer: mail given up; "+pf.gaveUp, "index", i, "event_id", r.Event, "sequence_number", r.ID, "error", err)
		case errors.As(err, &dl):
			out[i].verdict = gaveUpOnce
			p.Log.Warn("mailer: record given up before", "index", i, "event_id", r.Event, "error", err)
		default:
			out[i].verdict = failed
			p.Log.Warn("mailer: mail not sent; "+pf.retry, "index", i, "event_id", r.Event, "error", err)
		}
	}
	return out
}

// BatchResponse is the answer of a Lambda function with
// ReportBatchItemFailures: the records to retry.
type BatchResponse struct {
	BatchItemFailures []BatchItemFailure `json:"batchItemFailures"`
}

// BatchItemFailure names one record to retry.
type BatchItemFailure struct {
	ItemIdentifier string `json:"itemIdentifier"`
}

// PerRecord handles a batch whose platform retries single records (Lambda
// with ReportBatchItemFailures) and returns the BatchResponse naming the
// records to retry: each whose fn failed, each not reached before the
// deadline, and each whose fn gave it up (so that Lambda, once its retries
// are spent, puts it in the mapping's failure destination; it is logged at
// error level once, at the attempt that gave up). A record that does not
// decode is logged and skipped. A payload that does not decode at all is
// an error.
func (p Policy) PerRecord(ctx context.Context, payload []byte, decode Decoder, fn Handler) ([]byte, error) {
	recs, err := decode(payload)
	if err != nil {
		return nil, err
	}
	resp := BatchResponse{BatchItemFailures: []BatchItemFailure{}}
	for i, r := range p.run(ctx, recs, fn, lambda) {
		if r.verdict != handled && r.verdict != skipped {
			resp.BatchItemFailures = append(resp.BatchItemFailures, BatchItemFailure{ItemIdentifier: recs[i].ID})
		}
	}
	return json.Marshal(resp)
}

// WholeBatch handles a batch whose platform retries the whole batch when
// the invocation fails (a Function Compute Tablestore trigger): a failed fn
// or the deadline fails the invocation, so the batch is retried (the
// mailer's claims keep the mails already sent from going twice). The
// trigger has no retry limit and no dead-letter destination, so a change
// whose fn gave it up is acknowledged instead, logged at error level once,
// at the attempt that gave up. Records that do not decode are logged and
// skipped; so is a payload that does not decode at all, which would fail
// the same way at every retry. Otherwise it answers {"handled":n}, n the
// changes handed to fn.
func (p Policy) WholeBatch(ctx context.Context, payload []byte, decode Decoder, fn Handler) ([]byte, error) {
	recs, err := decode(payload)
	if err != nil {
		p.Log.Error("mailer: skipping an event that does not decode", "error", err)
		return []byte(`{"handled":0}`), nil
	}
	var errs error
	n := 0
	for i, r := range p.run(ctx, recs, fn, functionCompute) {
		switch r.verdict {
		case handled, gaveUp, gaveUpOnce:
			n++
		case failed:
			errs = errors.Join(errs, fmt.Errorf("stream: record %d: %w", i, r.err))
		case notReached:
			return nil, errors.Join(errs, fmt.Errorf("stream: %d of %d records not handled before the deadline", len(recs)-i, len(recs)))
		}
	}
	if errs != nil {
		return nil, errs
	}
	return []byte(`{"handled":` + strconv.Itoa(n) + `}`), nil
}

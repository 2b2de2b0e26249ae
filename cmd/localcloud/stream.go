package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/dynamodb"

	"github.com/todofn/todofn/internal/tablestoretest"
)

// Neither dynalite nor the Tablestore double keeps a stream the platform
// could trigger the mailer from, so the tool plays that part: it reads the
// users table's changes and invokes the mailer with them, at least once, in
// the event shape the real trigger uses, retrying what fails.

const (
	pollInterval = 200 * time.Millisecond
	maxBackoff   = 5 * time.Second
	// maxBatch is the records per invocation (the default batch size of a
	// DynamoDB event source mapping).
	maxBatch = 100
	// maxAttempts is how often one batch is tried before its failed
	// records are dropped, as a trigger's retry limit would.
	maxAttempts = 8
)

// player delivers a table's changes to the mailer. step reads new changes
// and delivers what is pending; it reports whether a delivery failed.
type player interface {
	step(ctx context.Context) (failed bool)
}

// play runs p until ctx ends, polling every pollInterval and backing off
// (doubling up to maxBackoff) while deliveries fail.
func play(ctx context.Context, p player) {
	wait := pollInterval
	for {
		if p.step(ctx) {
			wait = min(wait*2, maxBackoff)
		} else {
			wait = pollInterval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// dynamoPlayer plays a DynamoDB stream with ReportBatchItemFailures: a
// batch whose answer lists failed records is retried from the first of
// them on.
type dynamoPlayer struct {
	poll     func(context.Context) ([]dynamodb.StreamRecord, error)
	mailer   invoker
	log      *slog.Logger
	pending  []dynamodb.StreamRecord
	attempts int // failed deliveries of the head of pending
}

func (p *dynamoPlayer) step(ctx context.Context) bool {
	recs, err := p.poll(ctx)
	if err != nil {
		p.log.Error("stream: read the users table", "error", err)
	}
	p.pending = append(p.pending, recs...)
	for len(p.pending) > 0 {
		batch := p.pending[:min(len(p.pending), maxBatch)]
		done, err := p.deliver(ctx, batch)
		if err == nil {
			p.log.Info("stream: DynamoDB event handled by the mailer", "records", len(batch))
			p.pending, p.attempts = p.pending[len(batch):], 0
			continue
		}
		p.pending = p.pending[done:]
		if done > 0 {
			p.attempts = 0
		}
		p.attempts++
		if p.attempts >= maxAttempts {
			p.log.Error("stream: dropping records after repeated failures", "records", len(batch)-done, "attempts", p.attempts, "error", err)
			p.pending, p.attempts = p.pending[len(batch)-done:], 0
			continue
		}
		p.log.Warn("stream: mailer failed; will retry", "records", len(batch)-done, "attempt", p.attempts, "error", err)
		return true
	}
	return false
}

// deliver invokes the mailer with batch. It returns how many records, from
// the start, were handled, and an error unless all were.
func (p *dynamoPlayer) deliver(ctx context.Context, batch []dynamodb.StreamRecord) (int, error) {
	payload, err := json.Marshal(dynamodb.StreamEvent{Records: batch})
	if err != nil {
		return 0, fmt.Errorf("encode DynamoDB event: %w", err)
	}
	out, err := p.mailer.Invoke(ctx, payload)
	if err != nil {
		return 0, err
	}
	var resp stream.BatchResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return 0, fmt.Errorf("mailer answered %s: %w", truncate(out), err)
	}
	first := len(batch)
	for _, f := range resp.BatchItemFailures {
		i := slices.IndexFunc(batch, func(r dynamodb.StreamRecord) bool { return r.Change.SequenceNumber == f.ItemIdentifier })
		if i < 0 {
			i = 0 // an identifier that names no record fails the whole batch, as Lambda treats it
		}
		first = min(first, i)
	}
	if first < len(batch) {
		return first, fmt.Errorf("mailer reported %d failed records", len(resp.BatchItemFailures))
	}
	return len(batch), nil
}

// tablestorePlayer plays the Tablestore trigger of the users table: a
// batch is retried whole while the mailer answers with an error.
type tablestorePlayer struct {
	changes  func(from int) []tablestoretest.Change
	mailer   invoker
	log      *slog.Logger
	next     int // index of the first change not yet delivered
	attempts int
}

func (p *tablestorePlayer) step(ctx context.Context) bool {
	cs := p.changes(p.next)
	for len(cs) > 0 {
		batch := cs[:min(len(cs), maxBatch)]
		payload, err := tablestoretest.TriggerPayload(batch)
		if err == nil {
			_, err = p.mailer.Invoke(ctx, payload)
		}
		if err != nil {
			p.attempts++
			if p.attempts < maxAttempts {
				p.log.Warn("stream: mailer failed; will retry", "records", len(batch), "attempt", p.attempts, "error", err)
				return true
			}
			p.log.Error("stream: dropping records after repeated failures", "records", len(batch), "attempts", p.attempts, "error", err)
		} else {
			p.log.Info("stream: Tablestore trigger handled by the mailer", "records", len(batch))
		}
		p.next, p.attempts = p.next+len(batch), 0
		cs = cs[len(batch):]
	}
	return false
}

package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Notifier is the mailer's logic: given a change of a user record, it
// decides which mail to send, if any, and sends it once per code or notice,
// however often a stream delivers the change.
//
// A mail's claim key ("mail:<kind>:<nonce>") goes from free to
// "sending:<lease id>" (for Lease, while one invocation sends), then to
// "sent" (for SentTTL, once the SMTP server accepted the mail), or back to
// free when the send failed, so a redelivery retries it, or after
// MaxAttempts failures, or at once when the server refused the mail for
// good (see permanent), to "dead" (see DeadLetterError). Leases, deadlines
// and claim expiries use the wall clock, as the stores do; Now is only the
// clock of the mails' own validity (a code's expiry, a notice's age).
type Notifier struct {
	Sender todo.MailSender
	Claims todo.ClaimStore
	// Failures counts each mail's failed attempts under
	// "mailfail:<kind>:<nonce>"; nil counts nothing and never gives up (the
	// platform's own retry limit then decides).
	Failures todo.ThrottleStore
	Codes    *Codes
	// VerifyURL is the verify route's full URL, e.g.
	// https://xyz.lambda-url.eu-west-1.on.aws/verify; the mailed link adds
	// ?email=...&code=... to it.
	VerifyURL string
	// AppURL is the web app, named in the mails.
	AppURL string
	Now    func() time.Time // nil means time.Now
	// SendTimeout bounds one delivery (0: DefaultSendTimeout), which also
	// ends storeTimeout before ctx's deadline, to settle or free its claim.
	SendTimeout time.Duration
}

const (
	// noticeTTL bounds how late a notice or an alert is still worth
	// sending (a stream may deliver a day-old record).
	noticeTTL = time.Hour
	// Lease is how long a "sending:" claim holds a mail: longer than any
	// delivery may take (at most the invocation's time: 30 s on Lambda, a
	// minute for a Tablestore trigger), so no two invocations send a mail at
	// once, and short enough that one whose sender died is retried soon.
	Lease = 2 * time.Minute
	// SentTTL is how long a "sent" (or "dead") claim is kept: longer than
	// a stream keeps a record (24 hours), so no redelivery sends it again.
	SentTTL = 48 * time.Hour
	// MaxAttempts is how often a mail may fail before it is given up:
	// template.yml's MaximumRetryAttempts (4) gives a record as many tries.
	MaxAttempts = 5
	// DefaultSendTimeout is the SendTimeout used when it is zero.
	DefaultSendTimeout = 10 * time.Second
	// storeTimeout bounds the store calls after a delivery (settle,
	// release, count), on a context of their own: the invocation's may end.
	storeTimeout = 3 * time.Second
	// minSendTime is the least time a delivery starts with, storeTimeout kept.
	minSendTime = time.Second

	// Claim values of a mail's key.
	sentValue, deadValue, sendingPrefix = "sent", "dead", "sending:"
)

var errBusy = errors.New("another invocation is sending this mail now")

// DeadLetterError is Handle's error for a mail given up on: it failed
// MaxAttempts times (a failed or timed-out delivery counts, and so does
// finding another invocation sending it), or the SMTP server refused it
// for good (Rejected). Its claim then says "dead", so
// no later delivery of the change sends it (an operator who replays the
// record must delete the claim "mail:<kind>:<nonce>" first).
//
// The stream handlers know it by its DeadLetter method: on AWS they report
// the record as failed, so Lambda hands it to the failure queue; on FC,
// whose Tablestore trigger would retry until the stream expires, they
// acknowledge it. Either way they log it once, at the attempt that gave up.
type DeadLetterError struct {
	Key      string // the mail's claim key: it names the mail and its nonce, never the code
	Attempts int    // failures counted; 0 for a delivery after the mail was given up
	Err      error  // the last attempt's error; nil for a delivery after the mail was given up
	// Rejected says the server refused the mail for good (see permanent),
	// so it was given up at once, whatever Attempts says.
	Rejected bool
}

func (e *DeadLetterError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("account: mail %s was given up on before", e.Key)
	}
	if e.Rejected {
		return fmt.Sprintf("account: mail %s given up: the server refused it for good: %v", e.Key, e.Err)
	}
	return fmt.Sprintf("account: mail %s given up after %d failed attempts: %v", e.Key, e.Attempts, e.Err)
}

func (e *DeadLetterError) Unwrap() error { return e.Err }

// DeadLetter reports whether this is the attempt that gave the mail up (to
// be logged), rather than a later delivery of it.
func (e *DeadLetterError) DeadLetter() bool {
	return e.Err != nil && (e.Attempts == MaxAttempts || e.Rejected)
}

// mail is one mail a change calls for, with the claim key that keeps it to
// one delivery.
type mail struct {
	key string
	m   todo.Mail
}

// Handle sends the mails that change calls for. It returns nil for changes
// that call for none (deletes, unrelated updates, stale or already mailed
// codes) and an error when a mail could not be sent, so the platform retries
// the change; the claim taken for that mail is released first. A mail given
// up on does not hold back the change's other mails: Handle goes on with
// them and returns its *DeadLetterError only if nothing else failed.
func (n *Notifier) Handle(ctx context.Context, c todo.UserChange) error {
	var dead error
	for _, m := range n.due(c) {
		err := n.send(ctx, m)
		var dl *DeadLetterError
		if errors.As(err, &dl) {
			dead = err
			continue
		}
		if err != nil {
			return err
		}
	}
	return dead
}

// due lists the mails c calls for: the code of a pending account whose
// nonce is new and live; a reset code whose nonce is new and live; the
// notice (of any kind, the deletion's included) and the alert of a
// verified account whose nonces are new and recent; and the deletion
// notice for the removal of a verified account whose image it carries.
func (n *Notifier) due(c todo.UserChange) []mail {
	u, old := c.New, c.Old
	if u == nil {
		// A removal. Its notice came with the account's last write; a
		// stream that carries old images (DynamoDB) may deliver the removal
		// alone, so it mails too, under the same claim key.
		if old != nil && old.Status == todo.StatusVerified && old.ID != "" {
			return []mail{{"mail:deleted:" + old.ID, n.deletedMail(old)}}
		}
		return nil
	}
	if old == nil {
		old = &todo.User{}
	}
	now := time.Now()
	if n.Now != nil {
		now = n.Now()
	}
	var out []mail
	// A reset code goes to pending and verified accounts alike: the reset
	// proves the mailbox, so it also verifies a pending address.
	if u.ResetNonce != "" && old.ResetNonce != u.ResetNonce && now.Before(u.ResetExpires) {
		out = append(out, mail{"mail:reset:" + u.ResetNonce, n.resetMail(u)})
	}
	switch u.Status {
	case todo.StatusPending:
		if u.CodeNonce != "" && old.CodeNonce != u.CodeNonce && now.Before(u.CodeExpires) {
			out = append(out, mail{"mail:code:" + u.CodeNonce, n.codeMail(u)})
		}
	case todo.StatusVerified:
		if u.NoticeNonce != "" && old.NoticeNonce != u.NoticeNonce && now.Sub(u.NoticeAt) <= noticeTTL {
			key := "mail:notice:" + u.NoticeNonce
			if u.NoticeKind == todo.NoticeAccountDeleted {
				key = "mail:deleted:" + u.ID // one mail, whichever of the last write and the removal comes first
			}
			out = append(out, mail{key, n.noticeFor(u)})
		}
		if u.AlertNonce != "" && old.AlertNonce != u.AlertNonce && now.Sub(u.AlertAt) <= noticeTTL {
			out = append(out, mail{"mail:alert:" + u.AlertNonce, n.alertMail(u)})
		}
	}
	return out
}

// send delivers m once. It claims m's key with a lease of its own and
// sends; once the server has accepted the mail it settles the lease to
// "sent". A failed send releases the lease (only if it is still ours) and
// counts the failure. A key that says "sent" is a redelivery: nothing to
// do. A key leased by another invocation is a failure, so the change is
// retried later rather than skipped: that invocation may yet fail.
func (n *Notifier) send(ctx context.Context, m mail) error {
	if d, ok := ctx.Deadline(); ok && time.Until(d) < storeTimeout+minSendTime {
		return fmt.Errorf("account: mail %s: too little time left to send it", m.key)
	}
	sendCtx, cancel := n.sendContext(ctx)
	defer cancel()
	lease := sendingPrefix + rand.Text()
	held, fresh, err := n.Claims.Claim(ctx, m.key, lease, time.Now().Add(Lease))
	if err != nil {
		return fmt.Errorf("account: claim %s: %w", m.key, err)
	}
	switch {
	case !fresh && held == sentValue:
		return nil // a redelivery: this mail went out already
	case !fresh && held == deadValue:
		return &DeadLetterError{Key: m.key}
	case !fresh:
		return n.failed(ctx, m.key, "", fmt.Errorf("account: mail %s: %w", m.key, errBusy))
	}
	if err := n.Sender.Send(sendCtx, m.m); err != nil {
		if permanent(err) {
			return n.rejected(ctx, m.key, lease, fmt.Errorf("account: send mail: %w", err))
		}
		return n.failed(ctx, m.key, lease, fmt.Errorf("account: send mail: %w", err))
	}
	// The mail is out. Should the mark fail, the lease expires and a later
	// delivery of this change may send the mail again; returning an error
	// would make that certain, so the mark is best effort.
	after, done := afterwards(ctx)
	defer done()
	_ = n.Claims.Settle(after, m.key, lease, sentValue, time.Now().Add(SentTTL))
	return nil
}

// afterwards is the context of the store calls that follow a delivery:
// ctx's values without its end, for storeTimeout from now.
func afterwards(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

// sendContext is ctx with the deadline of one delivery: SendTimeout from
// now, but storeTimeout before ctx's own deadline.
func (n *Notifier) sendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := n.SendTimeout
	if timeout <= 0 {
		timeout = DefaultSendTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Add(-storeTimeout).Before(deadline) {
		deadline = d.Add(-storeTimeout)
	}
	return context.WithDeadline(ctx, deadline)
}

// failed counts a failure of the mail under key and returns sendErr, or a
// *DeadLetterError once the mail has failed MaxAttempts times. When lease
// is ours, it is released, or marked "dead" when the mail is given up.
// It works on a context of its own: the invocation's may have ended.
func (n *Notifier) failed(ctx context.Context, key, lease string, sendErr error) error {
	ctx, done := afterwards(ctx)
	defer done()
	attempts, cerr := n.countFailure(ctx, key)
	if cerr != nil {
		sendErr = fmt.Errorf("%w (and count the failure: %v)", sendErr, cerr)
	}
	giveUp := cerr == nil && n.Failures != nil && attempts >= MaxAttempts
	if lease != "" {
		to, expires := "released", time.Now().Add(-time.Second) // a past expiry frees the key
		if giveUp {
			to, expires = deadValue, time.Now().Add(SentTTL)
		}
		if err := n.Claims.Settle(ctx, key, lease, to, expires); err != nil && todo.ErrorCode(err) != todo.Conflict {
			sendErr = fmt.Errorf("%w (and release claim: %v)", sendErr, err)
		}
	}
	if giveUp {
		return &DeadLetterError{Key: key, Attempts: attempts, Err: sendErr}
	}
	return sendErr
}

// permanent reports whether err says the mail can never be delivered as it
// is: package mail's *RejectedError (a 5xx reply to RCPT or DATA, RFC 5321
// §4.2.1), known by its Permanent method as the stream handlers know a
// DeadLetterError by its DeadLetter method, since adapters do not import
// each other. A 4xx, a timeout or a network error is not.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// rejected gives up the mail under key at once, its lease ours: the claim
// goes "dead" (for SentTTL, so no redelivery sends it) and the error is the
// give-up, to be logged once. Retrying a permanent refusal would only send
// the same mail to the same refusal MaxAttempts times.
func (n *Notifier) rejected(ctx context.Context, key, lease string, sendErr error) error {
	ctx, done := afterwards(ctx)
	defer done()
	attempts, _ := n.countFailure(ctx, key) // for the log only
	if err := n.Claims.Settle(ctx, key, lease, deadValue, time.Now().Add(SentTTL)); err != nil && todo.ErrorCode(err) != todo.Conflict {
		// The claim could not be marked: the lease expires and a
		// redelivery meets the same refusal. Still the give-up, logged.
		sendErr = fmt.Errorf("%w (and mark the claim dead: %v)", sendErr, err)
	}
	return &DeadLetterError{Key: key, Attempts: attempts, Err: sendErr, Rejected: true}
}

// countFailure adds one to the failures of the mail under key and returns
// the new count; without a Failures store it counts nothing.
func (n *Notifier) countFailure(ctx context.Context, key string) (int, error) {
	if n.Failures == nil {
		return 0, nil
	}
	k := "mailfail:" + strings.TrimPrefix(key, "mail:")
	for range 5 {
		th, err := n.Failures.Throttle(ctx, k)
		if todo.ErrorCode(err) == todo.NotFound {
			th, err = &todo.Throttle{Key: k}, nil
		}
		if err != nil {
			return 0, err
		}
		th.Failures++
		th.Expires = time.Now().Add(SentTTL)
		err = n.Failures.PutThrottle(ctx, th)
		if todo.ErrorCode(err) == todo.Conflict {
			continue // a racing failure counted meanwhile: count on top of it
		}
		return th.Failures, err
	}
	return 0, fmt.Errorf("account: count failure of %s: the counter kept changing", key)
}

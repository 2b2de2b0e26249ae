package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/todo"
)

// rejected is a permanent refusal as package mail reports it: an error
// with a Permanent method that says true.
type rejected struct{}

func (rejected) Error() string   { return "mail: the server rejected the mail for good (550 5.1.1)" }
func (rejected) Permanent() bool { return true }

// TestNotifierPermanentRejection: a mail the server refused for good (a
// 5xx to RCPT or DATA) is given up at its first attempt: the claim says
// "dead", the error is the give-up (DeadLetter true, to be logged once),
// and later deliveries of the change neither send it nor log it again.
func TestNotifierPermanentRejection(t *testing.T) {
	ctx := context.Background()
	calls := 0
	n, s := newNotifier(t, func(context.Context, todo.Mail) error {
		calls++
		return errors.Join(errors.New("mail: smtp: send via 127.0.0.1:25"), rejected{})
	})
	u := pendingUser("ann@example.com")
	change := todo.UserChange{New: u}
	var dl *account.DeadLetterError
	if err := n.Handle(ctx, change); !errors.As(err, &dl) || !dl.DeadLetter() {
		t.Fatalf("first attempt: %v, want the give-up", err)
	}
	for range 3 {
		if err := n.Handle(ctx, change); !errors.As(err, &dl) || dl.DeadLetter() {
			t.Fatalf("redelivery: %v, want a dead letter that is not the first", err)
		}
	}
	if calls != 1 {
		t.Fatalf("%d sends, want 1", calls)
	}
	if held, fresh, err := s.Claim(ctx, "mail:code:"+u.CodeNonce, "x", time.Now().Add(time.Minute)); fresh || held != "dead" || err != nil {
		t.Fatalf("claim %q (fresh %v, %v), want dead", held, fresh, err)
	}
}

// TestNotifierTransientFailureRetried: a 4xx or a network error is no
// permanent rejection: the mail is released for the retry, which sends it.
func TestNotifierTransientFailureRetried(t *testing.T) {
	ctx := context.Background()
	fail := []error{errors.New("mail: smtp: 451 4.3.0 try again"), errors.New("mail: smtp: dial: connection refused")}
	calls := 0
	n, _ := newNotifier(t, func(context.Context, todo.Mail) error {
		calls++
		if len(fail) > 0 {
			err := fail[0]
			fail = fail[1:]
			return err
		}
		return nil
	})
	change := todo.UserChange{New: pendingUser("ann@example.com")}
	for i := range 2 {
		var dl *account.DeadLetterError
		if err := n.Handle(ctx, change); err == nil || errors.As(err, &dl) {
			t.Fatalf("attempt %d: %v, want a failure to retry", i+1, err)
		}
	}
	if err := n.Handle(ctx, change); err != nil || calls != 3 {
		t.Fatalf("third attempt: %v after %d sends, want it sent", err, calls)
	}
}

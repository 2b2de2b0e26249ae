package mail

import (
	"errors"
	"fmt"

	gomail "github.com/wneessen/go-mail"
)

// RejectedError is Send's error when the SMTP server refused this mail
// for good: a 5xx reply to RCPT TO or to DATA (before the content or after
// it). RFC 5321 §4.2.1 calls 5yz a "permanent negative completion reply":
// "the SMTP client SHOULD NOT repeat the exact request", so sending the
// same mail again cannot succeed. Its Permanent method says so to callers
// that do not import this package (package account's Notifier gives such a
// mail up at once).
//
// Not rejections: 4xx replies (transient), 552 to RCPT (RFC 5321
// §4.5.3.1.10: clients should treat it as the transient 452), a 5xx to
// MAIL FROM (it refuses our sender or account, which an operator fixes,
// not this mail) and errors of the connection, TLS or authentication.
type RejectedError struct {
	Code     int    // the reply code, 500-599
	Enhanced string // the enhanced status code (RFC 3463), such as "5.1.1", if the server sent one
	Err      error  // go-mail's *SendError
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("mail: the server rejected the mail for good (%d %s): %v", e.Code, e.Enhanced, e.Err)
}

func (e *RejectedError) Unwrap() error { return e.Err }

// Permanent reports that sending the mail again cannot succeed: always
// true for a RejectedError.
func (e *RejectedError) Permanent() bool { return true }

// rejection returns err as a *RejectedError if it is a permanent refusal of
// the mail, else nil. It reads go-mail's *SendError: Reason says which
// command failed and ErrorCode the server's reply code (0 when the error
// did not come from the server); see senderror.go and
// Client.sendSingleMsg in github.com/wneessen/go-mail v0.8.1.
func rejection(err error) *RejectedError {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return nil
	}
	code := se.ErrorCode()
	if code < 500 || code > 599 {
		return nil
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo:
		if code == 552 {
			return nil // RFC 5321 §4.5.3.1.10: treat as 452
		}
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
	default:
		return nil
	}
	return &RejectedError{Code: code, Enhanced: se.EnhancedStatusCode(), Err: err}
}

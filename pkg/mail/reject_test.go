package mail

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// scriptedServer is a small SMTP server on 127.0.0.1 that answers every
// command with 250 (DATA with 354), except the replies given in replies,
// keyed by the command's verb ("MAIL", "RCPT", "DATA") or "." for the reply
// after the message's content. It serves connections until the test ends.
func scriptedServer(tb testing.TB, replies map[string]string) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveScript(c, replies)
		}
	}()
	tb.Cleanup(func() { _ = l.Close(); <-done })
	return l.Addr().(*net.TCPAddr).Port
}

func serveScript(c net.Conn, replies map[string]string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(c)
	say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	say("220 script.example ESMTP")
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " ")
		verb, _, _ = strings.Cut(verb, ":")
		switch r, scripted := replies[verb]; {
		case verb == "QUIT":
			say("221 bye")
			return
		case scripted:
			say(r)
		case verb == "EHLO":
			say("250-script.example\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")
		case verb == "DATA":
			say("354 go ahead")
			for {
				l, err := rd.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if r, ok := replies["."]; ok {
				say(r)
			} else {
				say("250 2.0.0 queued")
			}
		default:
			say("250 2.0.0 ok")
		}
	}
}

// TestSMTPPermanentRejection: a 5xx reply to RCPT or DATA (before or after
// the content) is permanent (RFC 5321 §4.2.1: "the client SHOULD NOT repeat
// the exact request"), so Send's error says so; a 4xx, a 552 to RCPT (which
// RFC 5321 §4.5.3.1.10 says to treat as 452), a rejected MAIL FROM (our
// sender or account, not this mail) and a server that cannot be reached are
// not.
func TestSMTPPermanentRejection(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	_ = closed.Close()
	for _, tc := range []struct {
		name      string
		replies   map[string]string
		port      int
		permanent bool
		code      int
	}{
		{name: "550 to RCPT", replies: map[string]string{"RCPT": "550 5.1.1 no such user"}, permanent: true, code: 550},
		{name: "554 to DATA", replies: map[string]string{"DATA": "554 5.7.1 not from you"}, permanent: true, code: 554},
		{name: "550 after the content", replies: map[string]string{".": "550 5.7.1 looks like spam"}, permanent: true, code: 550},
		{name: "450 to RCPT", replies: map[string]string{"RCPT": "450 4.2.1 mailbox busy"}},
		{name: "452 to RCPT", replies: map[string]string{"RCPT": "452 4.3.1 out of storage"}},
		{name: "552 to RCPT", replies: map[string]string{"RCPT": "552 5.2.2 mailbox full"}},
		{name: "451 after the content", replies: map[string]string{".": "451 4.3.0 try again"}},
		{name: "550 to MAIL FROM", replies: map[string]string{"MAIL": "550 5.7.1 sender not allowed"}},
		{name: "421 greeting", replies: map[string]string{"EHLO": "421 4.3.2 going down", "HELO": "421 4.3.2 going down"}},
		{name: "connection refused", port: closedPort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := tc.port
			if port == 0 {
				port = scriptedServer(t, tc.replies)
			}
			s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, Security: SecurityNone, From: "no-reply@example.com", Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), mailTo("ann@example.com"))
			if err == nil {
				t.Fatal("Send succeeded")
			}
			var rej *RejectedError
			var p interface{ Permanent() bool }
			got := errors.As(err, &p) && p.Permanent()
			if got != tc.permanent || (tc.permanent && (!errors.As(err, &rej) || rej.Code != tc.code)) {
				t.Fatalf("Send = %v (permanent %v); want permanent %v, code %d", err, got, tc.permanent, tc.code)
			}
		})
	}
}

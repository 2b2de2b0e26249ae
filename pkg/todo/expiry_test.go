package todo_test

import (
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

func TestExpired(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		expiresAt time.Time
		now       time.Time
		want      bool
	}{
		{"a nanosecond before", at, at.Add(-time.Nanosecond), false},
		{"at the instant", at, at, true},
		{"after", at, at.Add(time.Second), true},
		{"no expiry set", time.Time{}, at, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := todo.Expired(tc.expiresAt, tc.now); got != tc.want {
				t.Errorf("Expired = %v, want %v", got, tc.want)
			}
			if got := (&todo.Session{ExpiresAt: tc.expiresAt}).Expired(tc.now); got != tc.want {
				t.Errorf("Session.Expired = %v, want %v", got, tc.want)
			}
		})
	}
}

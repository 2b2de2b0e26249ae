package todo

import (
	"errors"
	"testing"
)

// TestCreateSessionChecked: the session stays only when the account still
// has its ID and credential generation; otherwise it is removed again.
func TestCreateSessionChecked(t *testing.T) {
	readFails := errors.New("test: read failed")
	for _, tc := range []struct {
		name      string
		user      *User
		readErr   error
		wantErr   error
		wantStays bool
	}{
		{"same generation", &User{ID: "u1", CredGen: 3}, nil, nil, true},
		{"generation moved on", &User{ID: "u1", CredGen: 4}, nil, ErrPasswordChanged, false},
		{"a new account at the address", &User{ID: "u2", CredGen: 3}, nil, ErrPasswordChanged, false},
		{"account gone", nil, ErrUserNotFound, ErrPasswordChanged, false},
		{"read fails", nil, readFails, readFails, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := &Session{ID: "s1", UserID: "u1", Email: "ann@example.com", CredGen: 3}
			stored := false
			err := CreateSessionChecked(rs,
				func() error { stored = true; return nil },
				func() (*User, error) { return tc.user, tc.readErr },
				func() error { stored = false; return nil })
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if stored != tc.wantStays || (rs.Version == 1) != tc.wantStays {
				t.Fatalf("stored %v, version %d; want stored %v", stored, rs.Version, tc.wantStays)
			}
		})
	}
}

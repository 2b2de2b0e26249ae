package todo_test

import (
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name    string
		p       string
		wantMsg string // "" for accepted
	}{
		{"12 characters", "correct hors", ""},
		{"128 characters", strings.Repeat("x", 128), ""},
		{"no composition rules", "all lower case", ""},
		{"12 runes of 4 bytes", strings.Repeat("🐴", 12), ""},
		{"11 characters", "correct hor", "Use at least 12 characters."},
		{"129 characters", strings.Repeat("x", 129), "Use at most 128 characters."},
		{"not valid text", "correct horse\xff", "The password is not valid text."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := todo.CheckPassword(tt.p)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("CheckPassword(%q) = %v, want nil", tt.p, err)
				}
				return
			}
			e, ok := err.(*todo.Error)
			if !ok || e.Code != todo.ValidationFailed || e.Field != "password" || e.Message != tt.wantMsg {
				t.Fatalf("CheckPassword(%q) = %v, want validation_failed on password: %q", tt.p, err, tt.wantMsg)
			}
		})
	}
}

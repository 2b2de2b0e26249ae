package app

import (
	"strings"
	"testing"
	"time"
)

func TestStoreTimeouts(t *testing.T) {
	if c := ConfigFrom(env()); c.Tables.CallTimeout != 5*time.Second || c.Tables.AttemptTimeout != 2*time.Second {
		t.Fatalf("defaults = %v, %v; want 5s, 2s", c.Tables.CallTimeout, c.Tables.AttemptTimeout)
	}
	tests := []struct {
		name string
		env  []string
		want string // a substring of the error; "" means valid
	}{
		{"set", []string{"STORE_CALL_TIMEOUT", "3s", "STORE_ATTEMPT_TIMEOUT", "1s"}, ""},
		{"attempt as long as the call", []string{"STORE_CALL_TIMEOUT", "3s", "STORE_ATTEMPT_TIMEOUT", "3s"}, ""},
		{"attempt longer than the call", []string{"STORE_CALL_TIMEOUT", "3s", "STORE_ATTEMPT_TIMEOUT", "4s"},
			"STORE_ATTEMPT_TIMEOUT must be a duration from 100ms to 3s"},
		{"call too long", []string{"STORE_CALL_TIMEOUT", "2m"}, "STORE_CALL_TIMEOUT must be a duration from 100ms to 1m"},
		{"not a duration", []string{"STORE_CALL_TIMEOUT", "soon"}, "STORE_CALL_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ConfigFrom(env(append([]string{"DATA_DIR", t.TempDir()}, tt.env...)...)).Validate()
			if tt.want == "" && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

package tablestore

import (
	"strings"
	"testing"
)

// TestValidTableName follows the naming rule validTableName cites: letters,
// digits and underscores, 1-255 long, not starting with a digit.
func TestValidTableName(t *testing.T) {
	for name, want := range map[string]bool{
		"todos": true, "_users": true, "T1_x": true, strings.Repeat("a", 255): true,
		"": false, "1todos": false, "to-dos": false, "to dos": false, "tödos": false,
		strings.Repeat("a", 256): false, "a.b": false,
	} {
		if got := validTableName(name); got != want {
			t.Errorf("validTableName(%.20q) = %v, want %v", name, got, want)
		}
	}
}

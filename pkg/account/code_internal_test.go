package account

import "testing"

// TestValidCode: the form check of a mailed code is six ASCII digits,
// nothing more or less (no other Unicode digit, no sign, no space).
func TestValidCode(t *testing.T) {
	for code, want := range map[string]bool{
		"000000": true, "123456": true, "999999": true,
		"": false, "12345": false, "1234567": false, "12345a": false, " 12345": false,
		"+12345": false, "１２３４５６": false, "١٢٣٤٥٦": false, "12345/": false, "12345:": false,
	} {
		if got := validCode(code); got != want {
			t.Errorf("validCode(%q) = %v, want %v", code, got, want)
		}
	}
}

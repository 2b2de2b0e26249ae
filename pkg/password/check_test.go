package password_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/todofn/todofn/pkg/password"
	"github.com/todofn/todofn/pkg/todo"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		p       string
		wantMsg string // "" for accepted
	}{
		{"12 characters", "correct hors", ""},
		{"128 characters", strings.Repeat("a", 127) + "b", ""},
		{"spaces and any symbol", "  tabs\tand émoji 🐴  ", ""},
		{"11 characters", "correct hor", "Use at least 12 characters."},
		{"empty", "", "Use at least 12 characters."},
		{"129 characters", strings.Repeat("a", 129), "Use at most 128 characters."},
		{"runes, not bytes: 12 two-byte letters", strings.Repeat("é", 12), ""},
		{"runes, not bytes: 11 four-byte letters", strings.Repeat("🐴", 11), "Use at least 12 characters."},
		// U+FB03 (ﬃ) is one character that NFKC turns into three.
		{"counted after NFKC: 4 ligatures are 12 letters", strings.Repeat("\ufb03", 4), ""},
		{"counted after NFKC: 43 ligatures are 129 letters", strings.Repeat("\ufb03", 43), "Use at most 128 characters."},
		{"not valid text", "correct horse\xff", "The password is not valid text."},
		{"common", "qwertyqwerty", "This password is too common; choose another."},
		{"common, other case", "QwertyQwerty", "This password is too common; choose another."},
		{"common, full-width", "ｑｗｅｒｔｙｑｗｅｒｔｙ", "This password is too common; choose another."},
		{"common with a suffix is not on the list", "qwertyqwerty!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := password.Check(tt.p)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.p, err)
				}
				return
			}
			if todo.ErrorCode(err) != todo.ValidationFailed || todo.ErrorMessage(err) != tt.wantMsg {
				t.Fatalf("Check(%q) = %v, want validation_failed %q", tt.p, err, tt.wantMsg)
			}
			if e := err.(*todo.Error); e.Field != "password" {
				t.Fatalf("field = %q, want password", e.Field)
			}
		})
	}
}

// TestCommonList checks the embedded list is the published one in size and
// shape (README.md): 10,000 lines, of which 24 have 12 characters or more;
// every shorter one is refused by length already.
func TestCommonList(t *testing.T) {
	lines, long := 0, 0
	for _, p := range []string{"123456", "password", "qwerty", "PASSWORD", "123qweasdzxc", "leavemealone", "brady"} {
		if !password.IsCommon(p) {
			t.Errorf("IsCommon(%q) = false, want true", p)
		}
	}
	for _, p := range []string{"correct horse battery staple", "", "x"} {
		if password.IsCommon(p) {
			t.Errorf("IsCommon(%q) = true, want false", p)
		}
	}
	for line := range strings.Lines(password.CommonList()) {
		line = strings.TrimSuffix(line, "\n")
		lines++
		if line == "" || strings.ContainsAny(line, "\r\t") || !utf8.ValidString(line) {
			t.Fatalf("line %d is %q: the file is not one password a line", lines, line)
		}
		if utf8.RuneCountInString(password.Normalize(line)) >= todo.MinPasswordLen {
			long++
		}
	}
	if lines != 10000 || long != 24 {
		t.Fatalf("the list has %d lines, %d of them of %d characters or more; want 10000 and 24 as published",
			lines, long, todo.MinPasswordLen)
	}
}

// TestLongCommonList: common-passwords-long.txt is exactly the lines of
// the published list that have at least todo.MinPasswordLen characters
// after Normalize, in order (regenerate it when the minimum changes:
// awk 'length($0)>=12' common-passwords.txt, the list being ASCII).
func TestLongCommonList(t *testing.T) {
	var want strings.Builder
	for line := range strings.Lines(password.CommonList()) {
		if utf8.RuneCountInString(password.Normalize(strings.TrimSuffix(line, "\n"))) >= todo.MinPasswordLen {
			want.WriteString(line)
		}
	}
	if got := password.LongCommonList(); got != want.String() {
		t.Fatalf("common-passwords-long.txt is\n%s\nwant\n%s", got, want.String())
	}
}

// TestCheckRefusesTheWholeList: Check, which reads only the long entries,
// refuses every entry of the whole list, in its case and upper-cased, as
// it did when it read the whole list: an entry too short for the length
// rule with the length message, any other as too common.
func TestCheckRefusesTheWholeList(t *testing.T) {
	for line := range strings.Lines(password.CommonList()) {
		line = strings.TrimSuffix(line, "\n")
		for _, p := range []string{line, strings.ToUpper(line)} {
			want := "This password is too common; choose another."
			if utf8.RuneCountInString(password.Normalize(p)) < todo.MinPasswordLen {
				want = fmt.Sprintf("Use at least %d characters.", todo.MinPasswordLen)
			}
			if err := password.Check(p); todo.ErrorMessage(err) != want || !password.IsCommon(p) {
				t.Fatalf("Check(%q) = %v, IsCommon %v; want %q", p, err, password.IsCommon(p), want)
			}
		}
	}
}

package password_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/todofn/todofn/pkg/password"
	"github.com/todofn/todofn/pkg/todo"
)

// hangul is n Hangul syllables, each with a final consonant, so that NFD
// spells each as three conjoining jamo of three bytes (nine bytes a
// syllable, one character after NFKC).
func hangul(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0xAC00 + (i%19)*588 + (i*7%21)*28 + 1 + i%27))
	}
	return b.String()
}

// TestMaxComposed is the premise of MaxBytes: no character has a canonical
// decomposition longer than four runes, so NFKC never makes one character
// of more than four.
func TestMaxComposed(t *testing.T) {
	longest, which := 0, rune(0)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		if n := utf8.RuneCountInString(norm.NFD.String(string(r))); n > longest {
			longest, which = n, r
		}
	}
	if longest > 4 || password.MaxBytes != todo.MaxPasswordLen*4*utf8.UTFMax {
		t.Fatalf("%U decomposes into %d runes; MaxBytes = %d assumes at most 4", which, longest, password.MaxBytes)
	}
}

// TestEveryAdmittedPasswordVerifies is issue 15's finding 9: a password
// Check admits, however it is spelled before NFKC, is within MaxBytes and
// hashes and verifies, in any normalisation form; one over the limit gets
// Check's own answer from Check, Hash and Verify alike, before any hash.
func TestEveryAdmittedPasswordVerifies(t *testing.T) {
	h := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	ctx := context.Background()
	for _, tc := range []struct{ name, p string }{
		{"60 Hangul syllables, decomposed (540 bytes)", norm.NFD.String(hangul(60))},
		{"128 Hangul syllables, decomposed (1,152 bytes)", norm.NFD.String(hangul(128))},
		{"128 × U+1F82, decomposed into four runes each", norm.NFD.String(strings.Repeat("\u1f82", 128))},
		{"128 four-byte characters", strings.Repeat("🐴", 128)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := password.Check(tc.p); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if len(tc.p) > password.MaxBytes {
				t.Fatalf("%d bytes, over MaxBytes %d", len(tc.p), password.MaxBytes)
			}
			hash, err := h.Hash(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			for _, form := range []norm.Form{norm.NFC, norm.NFD, norm.NFKC, norm.NFKD} {
				if ok, err := h.VerifyContext(ctx, hash, form.String(tc.p)); !ok || err != nil {
					t.Fatalf("the same password in another form does not verify: %v %v", ok, err)
				}
			}
		})
	}

	wantErr := todo.CheckPassword(strings.Repeat("a", todo.MaxPasswordLen+1)) // the sign-up rule's own answer
	hash, _ := h.Hash("correct horse battery")
	for _, tc := range []struct{ name, p string }{
		{"129 Hangul syllables, decomposed", norm.NFD.String(hangul(129))},
		{"129 letters", strings.Repeat("a", 129)},
		{"MaxBytes + 1 bytes", strings.Repeat("a", password.MaxBytes+1)},
		{"MaxBytes + 1 bytes of conjoining jamo", strings.Repeat("\u1100", password.MaxBytes/3+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for what, err := range map[string]error{
				"CheckLength": password.CheckLength(tc.p),
				"Check":       password.Check(tc.p),
				"Hash":        func() error { _, err := h.Hash(tc.p); return err }(),
				"Verify":      func() error { _, err := h.Verify(hash, tc.p); return err }(),
				"Verify (no account)": func() error {
					_, err := h.Verify("", tc.p)
					return err
				}(),
			} {
				if todo.ErrorCode(err) != todo.ValidationFailed || todo.ErrorMessage(err) != todo.ErrorMessage(wantErr) {
					t.Errorf("%s: %v, want %v", what, err, wantErr)
				}
			}
		})
	}
}

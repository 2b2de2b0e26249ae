package account

import (
	"fmt"
	"unicode/utf8"

	"github.com/todofn/todofn/pkg/todo"
)

// maxPasswordBytes is the most bytes a log-in (or a re-authentication)
// reads as a password before it reserves a try and hashes: package
// password's MaxBytes, the size of the longest password sign-up admits
// (todo.MaxPasswordLen characters after NFKC, each from at most four runes
// of at most four bytes; a decomposed Hangul syllable is three runes of
// three bytes). Sign-up counts characters after normalising, so a raw cap
// any smaller refused passwords that sign-up had set (issue 15, finding 9).
// This package does not import package password (the mailer links it), so
// the number is stated here and a test checks it equals password.MaxBytes.
// Longer passwords get the answer sign-up gives them; the hasher refuses
// the rest of the over-long ones, by their length after NFKC, the same way.
const maxPasswordBytes = todo.MaxPasswordLen * 4 * utf8.UTFMax

// passwordTooLong is the answer to a password longer than any password may
// be, the one sign-up gives.
func passwordTooLong() error {
	return todo.FieldError("password", fmt.Sprintf("Use at most %d characters.", todo.MaxPasswordLen))
}

package password

import (
	_ "embed" // the common-password list
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"

	"github.com/todofn/todofn/pkg/todo"
)

// commonList is SecLists' 10-million-password-list-top-10000.txt (Mark
// Burnett's 10,000 most common passwords), unchanged; README.md beside it
// says where it comes from, under which licence and how it was obtained.
//
//go:embed common-passwords.txt
var commonList string

// common is commonList lower-cased, as a set; built on first use so that a
// binary that never checks a new password does not pay for it.
var common = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for line := range strings.Lines(commonList) {
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			set[strings.ToLower(line)] = struct{}{}
		}
	}
	return set
})

// Normalize returns p in Unicode normalisation form NFKC, so that the same
// password typed on another keyboard or system (composed or decomposed
// accents, full-width or ligature forms) hashes the same (OWASP ASVS
// 2.1.4). Hasher's Hash and Verify normalise themselves; callers need
// Normalize only to compare or count.
func Normalize(p string) string { return norm.NFKC.String(p) }

// Check reports whether p may be set as a new password (sign-up, reset),
// after Normalize: todo.CheckPassword's length rule (12 to 128 characters,
// no composition rules) and not one of the 10,000 most common passwords,
// compared case-insensitively. Each refusal is a todo.ValidationFailed error
// on the field "password" whose message tells the person what to do. Check
// is not for log-in: a password set under older rules must still work.
func Check(p string) error {
	p = Normalize(p)
	if err := todo.CheckPassword(p); err != nil {
		return err
	}
	if IsCommon(p) {
		return todo.FieldError("password", "This password is too common; choose another.")
	}
	return nil
}

// IsCommon reports whether Normalize(p), lower-cased, is on the list of the
// 10,000 most common passwords.
func IsCommon(p string) bool {
	_, ok := common()[strings.ToLower(Normalize(p))]
	return ok
}

package password

import (
	_ "embed" // the common-password list
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/todofn/todofn/pkg/todo"
)

// commonList is SecLists' 10-million-password-list-top-10000.txt (Mark
// Burnett's 10,000 most common passwords), unchanged; README.md beside it
// says where it comes from, under which licence and how it was obtained.
//
//go:embed common-passwords.txt
var commonList string

// longCommonList holds the lines of commonList that have at least
// todo.MinPasswordLen characters after Normalize, in the list's order
// (TestLongCommonList derives it from commonList again): the only entries
// Check can find, since it refuses a shorter password by its length first.
// Check reads it alone, so a function binary links these 24 lines (320
// bytes) instead of the whole list (76,508 bytes), which only IsCommon
// reads; Check's answer is the same for every entry of the whole list
// (TestCheckRefusesTheWholeList).
//
//go:embed common-passwords-long.txt
var longCommonList string

// common and longCommon are the lists lower-cased, as sets, built on first
// use (not at init, which would link both lists into every binary that
// imports this package).
func common() map[string]struct{} {
	commonOnce.Do(func() { commonSet = lowerSet(commonList) })
	return commonSet
}

func longCommon() map[string]struct{} {
	longOnce.Do(func() { longSet = lowerSet(longCommonList) })
	return longSet
}

var (
	commonOnce, longOnce sync.Once
	commonSet, longSet   map[string]struct{}
)

// lowerSet returns the lines of list, lower-cased, as a set.
func lowerSet(list string) map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(list, "\n")+1)
	for line := range strings.Lines(list) {
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			set[strings.ToLower(line)] = struct{}{}
		}
	}
	return set
}

// Normalize returns p in Unicode normalisation form NFKC, so that the same
// password typed on another keyboard or system (composed or decomposed
// accents, full-width or ligature forms) hashes the same (OWASP ASVS
// 2.1.4). Hasher's Hash and Verify normalise themselves; callers need
// Normalize only to compare or count.
func Normalize(p string) string { return norm.NFKC.String(p) }

// maxComposed is the most runes NFKC turns into one character: the longest
// canonical decomposition of any character (U+1F82, four runes; a Hangul
// syllable is three). NFKD never makes text shorter, and canonical
// composition makes one character of at most that many, so a password of
// n characters after Normalize had at most n*maxComposed runes before.
// TestMaxComposed checks it against every rune of the Unicode version of
// golang.org/x/text.
const maxComposed = 4

// MaxBytes is the most bytes a password may have before it is normalised:
// every password Check admits (todo.MaxPasswordLen characters after
// Normalize, each from at most maxComposed runes of at most utf8.UTFMax
// bytes) fits, and anything longer is over the limit whatever its form. It
// is well under the request body cap (16 KiB). Every path that takes a
// password (sign-up, verify, log-in, reset, change, account deletion)
// refuses a longer one before normalising it, with the same answer as one
// too long after normalising (CheckLength).
const MaxBytes = todo.MaxPasswordLen * maxComposed * utf8.UTFMax

// CheckLength refuses a password longer than any password may be: over
// MaxBytes bytes as sent, or over todo.MaxPasswordLen characters after
// Normalize. The refusal is the one Check gives, a todo.ValidationFailed
// error on the field "password". Hasher checks it before hashing, so the
// log-in of a password that no sign-up could set gets the answer sign-up
// gives, and a password sign-up admits always reaches the hash.
func CheckLength(p string) error {
	if len(p) > MaxBytes || utf8.RuneCountInString(Normalize(p)) > todo.MaxPasswordLen {
		return todo.FieldError("password", fmt.Sprintf("Use at most %d characters.", todo.MaxPasswordLen))
	}
	return nil
}

// Check reports whether p may be set as a new password (sign-up, reset),
// after Normalize: todo.CheckPassword's length rule (12 to 128 characters,
// no composition rules) and not one of the 10,000 most common passwords,
// compared case-insensitively. Each refusal is a todo.ValidationFailed error
// on the field "password" whose message tells the person what to do. Check
// is not for log-in: a password set under older rules must still work. A
// password over MaxBytes is refused before it is normalised.
func Check(p string) error {
	if err := CheckLength(p); err != nil {
		return err
	}
	p = Normalize(p)
	if err := todo.CheckPassword(p); err != nil {
		return err
	}
	if _, ok := longCommon()[strings.ToLower(p)]; ok { // IsCommon, for a password of this length
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

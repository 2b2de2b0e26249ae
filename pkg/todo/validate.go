package todo

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on user input.
const (
	MaxTitleLen    = 500 // characters, after trimming
	MinPasswordLen = 8   // characters
	MaxPasswordLen = 128 // characters
	MaxNameLen     = 100 // characters, after trimming
	MaxEmailLen    = 254 // bytes, as RFC 5321 allows
)

// NormalizeEmail parses a single bare address ("a@b.c", no display name),
// lower-cases its domain and returns it. Local parts are kept as written
// except that the whole address is compared case-insensitively by
// lower-casing it too, as nearly every provider treats it so.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", FieldError("email", "Enter an e-mail address.")
	}
	if len(s) > MaxEmailLen || hasControl(s) {
		return "", FieldError("email", "Enter a valid e-mail address.")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", FieldError("email", "Enter a valid e-mail address, such as name@example.com.")
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 1 || !strings.Contains(a.Address[at+1:], ".") {
		return "", FieldError("email", "Enter a valid e-mail address, such as name@example.com.")
	}
	return strings.ToLower(a.Address), nil
}

// CheckPassword reports whether a password is acceptable: 8 to 128
// characters. Anything printable is allowed, spaces included.
func CheckPassword(p string) error {
	n := utf8.RuneCountInString(p)
	switch {
	case !utf8.ValidString(p):
		return FieldError("password", "The password is not valid text.")
	case n < MinPasswordLen:
		return FieldError("password", "Use at least 8 characters for the password.")
	case n > MaxPasswordLen:
		return FieldError("password", "Use at most 128 characters for the password.")
	}
	return nil
}

// NormalizeTitle trims a todo title and checks it: 1 to 500 characters, no
// control characters.
func NormalizeTitle(s string) (string, error) {
	return normalizeText("title", s, 1, MaxTitleLen)
}

// NormalizeName trims a display name and checks it: at most 100
// characters, no control characters; empty is allowed.
func NormalizeName(s string) (string, error) {
	return normalizeText("name", s, 0, MaxNameLen)
}

func normalizeText(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || hasControl(s) {
		return "", FieldError(field, "The "+field+" must not contain control characters.")
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		return "", FieldError(field, "The "+field+" must not be empty.")
	}
	if n > max {
		return "", FieldError(field, fmt.Sprintf("The %s must be at most %d characters.", field, max))
	}
	return s, nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

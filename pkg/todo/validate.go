package todo

import (
	"fmt"
	"net"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on user input.
const (
	MaxTitleLen    = 500 // characters, after trimming
	MinPasswordLen = 12  // characters, after NFKC normalisation (OWASP ASVS 2.1.1)
	MaxPasswordLen = 128 // characters, after NFKC normalisation (OWASP ASVS 2.1.2)
	MaxNameLen     = 100 // characters, after trimming
	MaxEmailLen    = 254 // bytes, as RFC 5321 allows
)

// NormalizeEmail checks that s is the address of a mailbox a person has
// and returns its one spelling, so that one mailbox is one account: a
// single bare address ("name@example.com", no display name, no quoted
// local part), no invisible character anywhere (zero-width, bidirectional,
// format or control characters, other spaces: see hiddenRune), and a
// domain name with a dot, never an IP address (a@[192.0.2.1],
// a@192.0.2.1), whose labels are LDH labels or valid A-labels (see
// checkASCIIDomain). A Unicode domain must already be in A-labels
// (ann@xn--bcher-kva.example): package account converts ann@bücher.example so
// before it normalises the address, with golang.org/x/net/idna, which this package
// cannot import. The whole address is lower-cased, local part included, as
// nearly every provider treats it so; at most MaxEmailLen bytes.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", FieldError("email", "Enter an e-mail address.")
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, hiddenRune) >= 0 {
		return "", FieldError("email", "The e-mail address must not contain spaces or invisible characters.")
	}
	invalid := FieldError("email", "Enter a valid e-mail address, such as name@example.com.")
	at := strings.LastIndexByte(s, '@')
	if at < 1 || strings.ContainsAny(s[:at], `"\`) {
		return "", invalid
	}
	s = strings.ToLower(s)
	if len(s) > MaxEmailLen {
		return "", FieldError("email", fmt.Sprintf("The e-mail address must be at most %d characters.", MaxEmailLen))
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if strings.HasPrefix(domain, "[") || net.ParseIP(domain) != nil {
		return "", FieldError("email", "Use an address with a domain name, such as name@example.com, not an IP address.")
	}
	if !strings.Contains(domain, ".") {
		return "", invalid
	}
	if err := checkASCIIDomain(domain); err != nil {
		return "", FieldError("email", "The part after @ is not a valid domain name.")
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Name != "" || a.Address != s {
		return "", invalid
	}
	return s, nil
}

// CheckPassword reports whether a password has an acceptable length: 12 to
// 128 characters (runes). Anything is allowed, spaces included, with no
// composition rules (OWASP ASVS 2.1.9). Callers pass the password already
// NFKC-normalised; package password's Check does that and also refuses
// common passwords, which this package, the standard library only, cannot
// ship.
func CheckPassword(p string) error {
	n := utf8.RuneCountInString(p)
	switch {
	case !utf8.ValidString(p):
		return FieldError("password", "The password is not valid text.")
	case n < MinPasswordLen:
		return FieldError("password", fmt.Sprintf("Use at least %d characters.", MinPasswordLen))
	case n > MaxPasswordLen:
		return FieldError("password", fmt.Sprintf("Use at most %d characters.", MaxPasswordLen))
	}
	return nil
}

// NormalizeTitle trims a todo title and checks it: 1 to 500 characters, no
// control characters.
func NormalizeTitle(s string) (string, error) {
	return normalizeText("title", s, 1, MaxTitleLen)
}

// NormalizeName trims a display name and checks it: 1 to 100 characters
// of visible text and plain spaces; no control, format, bidirectional or
// invisible characters (which could make a name read as something else in
// a mail or a page). An empty name, or one of spaces only, is no name.
func NormalizeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexFunc(s, hiddenRune); i >= 0 || !utf8.ValidString(s) {
		return "", FieldError("name", "Use letters, digits, punctuation and spaces in the name; it must not contain invisible or text-direction characters.")
	}
	return normalizeText("name", s, 0, MaxNameLen)
}

// hiddenRune reports whether r is a character that does not show as
// itself: control and format characters (bidirectional marks and
// overrides, zero-width joiners, tags), private-use and surrogate code
// points, line and paragraph separators, spaces other than U+0020, and the
// blank fillers and selectors that render as nothing.
func hiddenRune(r rune) bool {
	switch {
	case r == ' ':
		return false
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp, unicode.Zs):
		return true
	case unicode.Is(unicode.Variation_Selector, r):
		return true
	}
	switch r {
	case '\u034f', '\u115f', '\u1160', '\u17b4', '\u17b5', '\u2800', '\u3164', '\uffa0', '\ufffc':
		return true // combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Braille blank, object replacement
	}
	return false
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

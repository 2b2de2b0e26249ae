package account

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/todofn/todofn/pkg/todo"
)

// idnaLookup returns the profile that turns an internationalised domain
// into A-labels as a mail
// client looking it up would: UTS 46 mapping (case, width, NFC),
// non-transitional (ß and ς stay themselves, as IDNA2008 and today's
// browsers have it), the bidi rule (RFC 5893), hyphen and joiner checks,
// and DNS's length limits. It is golang.org/x/net/idna, the package the
// standard library vendors for net/http's own host names.
//
// The profile is made on first use, not at package init: made at init
// (idna.New in a package variable, or in a sync.OnceValue closure, which
// init creates) it made every function importing this package link the
// UTS 46 mapping, the bidi rule and their tables, about 54 KB in logout,
// which never normalises an address.
func idnaLookup() *idna.Profile {
	idnaOnce.Do(func() {
		idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false),
			idna.CheckHyphens(true), idna.CheckJoiners(true), idna.VerifyDNSLength(true))
	})
	return idnaProfile
}

var (
	idnaOnce    sync.Once
	idnaProfile *idna.Profile
)

// normalizeEmail is todo.NormalizeEmail after the address's domain, when
// it is internationalised (a label beyond ASCII, or an A-label to check),
// is turned into A-labels, so that ann@bücher.example is the account of
// ann@xn--bcher-kva.example, the form todo.NormalizeEmail accepts and SMTP
// and DNS use. A domain that is not valid IDNA is a validation_failed
// error on the field "email". A domain with anything but letters, marks,
// digits, dots and hyphens is left as it is for todo.NormalizeEmail to
// refuse: UTS 46 would silently drop some invisible characters (a soft
// hyphen, a zero-width joiner) that the address must not hold at all.
//
// Every flow of the service that takes an address from a client (Register,
// Verify, Login, ForgotPassword, ResetPassword) normalises it here, so only
// the account functions link golang.org/x/net/idna (internal/archtest
// checks that the todos-* functions do not).
func normalizeEmail(s string) (string, error) {
	if at := strings.LastIndexByte(s, '@'); at >= 0 && internationalised(s[at+1:]) {
		domain, err := idnaLookup().ToASCII(strings.TrimSpace(s[at+1:]))
		if err != nil {
			return "", todo.FieldError("email", "The part after @ is not a valid domain name.")
		}
		s = s[:at+1] + domain
	}
	return todo.NormalizeEmail(s)
}

// internationalised reports whether domain is made of letters, marks,
// digits, dots and hyphens and has a character beyond ASCII or an A-label.
func internationalised(domain string) bool {
	domain = strings.TrimSpace(domain)
	idn := strings.Contains(strings.ToLower(domain), "xn--")
	for _, r := range domain {
		switch {
		case r == '.' || r == '-':
		case unicode.In(r, unicode.L, unicode.M, unicode.Nd):
			idn = idn || r >= utf8.RuneSelf
		default:
			return false
		}
	}
	return idn
}

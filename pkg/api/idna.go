package api

import (
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/todofn/todofn/pkg/todo"
)

// idnaLookup turns an internationalised domain into A-labels as a mail
// client looking it up would: UTS 46 mapping (case, width, NFC),
// non-transitional (ß and ς stay themselves, as IDNA2008 and today's
// browsers have it), the bidi rule (RFC 5893), hyphen and joiner checks,
// and DNS's length limits. It is golang.org/x/net/idna, the package the
// standard library vendors for net/http's own host names.
var idnaLookup = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false),
	idna.CheckHyphens(true), idna.CheckJoiners(true), idna.VerifyDNSLength(true))

// asciiEmails converts, in the struct v points to, every string field
// tagged json:"email" whose domain is internationalised (a label beyond
// ASCII, or an A-label to check) into A-labels, so that
// ann@bücher.example reaches the services as ann@xn--bcher-kva.example,
// the form todo.NormalizeEmail accepts and SMTP and DNS use. A domain that
// is not valid IDNA is a validation_failed error on the field. A domain
// with anything but letters, marks, digits, dots and hyphens is left as it
// is for todo.NormalizeEmail to refuse: UTS 46 would silently drop some
// invisible characters (a soft hyphen, a zero-width joiner) that the
// address must not hold at all.
func asciiEmails(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil
	}
	rv = rv.Elem()
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "email" || f.Type.Kind() != reflect.String || !f.IsExported() {
			continue
		}
		s := rv.Field(i).String()
		at := strings.LastIndexByte(s, '@')
		if at < 0 || !internationalised(s[at+1:]) {
			continue
		}
		domain, err := idnaLookup.ToASCII(strings.TrimSpace(s[at+1:]))
		if err != nil {
			return todo.FieldError("email", "The part after @ is not a valid domain name.")
		}
		rv.Field(i).SetString(s[:at+1] + domain)
	}
	return nil
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

package todo_test

import (
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

// TestNormalizeEmailMailboxes: addresses people have are accepted and
// lower-cased; a domain in A-labels is accepted when its punycode is valid
// (the A-labels below were computed with golang.org/x/net/idna; package
// api's tests convert the Unicode forms).
func TestNormalizeEmailMailboxes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ann@Example.COM", "ann@example.com"},
		{"  ann@example.com ", "ann@example.com"},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"},
		{"ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"},
		{"ann@XN--BCHER-KVA.example", "ann@xn--bcher-kva.example"},
		{"x@xn--r8jz45g.xn--zckzah", "x@xn--r8jz45g.xn--zckzah"},
		{"x@xn--ihqwcrb4cv8a8dqg056pqjye.example", "x@xn--ihqwcrb4cv8a8dqg056pqjye.example"},
		{"x@xn--4dbcagdahymbxekheh6e0a7fei0b.example", "x@xn--4dbcagdahymbxekheh6e0a7fei0b.example"},
		{"x@xn--i1baaa6gcj3inw9b2ae1bj0hfcgg6iyaf8o0a1dig3c.example", "x@xn--i1baaa6gcj3inw9b2ae1bj0hfcgg6iyaf8o0a1dig3c.example"},
		{"x@xn--b1abfaaepdrnnbgefbadotcwatmq2g4l.example", "x@xn--b1abfaaepdrnnbgefbadotcwatmq2g4l.example"},
		{"x@xn--hxajbheg2az3al.xn--jxalpdlp", "x@xn--hxajbheg2az3al.xn--jxalpdlp"},
		{"x@a-b.example", "x@a-b.example"},
		{"x@123.example", "x@123.example"},
	} {
		got, err := todo.NormalizeEmail(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestNormalizeEmailRefuses: IP literals, undotted or numeric domains,
// invisible characters anywhere, quoted local parts, and domains that are
// not LDH labels or valid A-labels are refused: validation_failed on the
// email field. A Unicode domain that reaches NormalizeEmail unconverted is
// refused too (package account converts it first).
func TestNormalizeEmailRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"IPv4 literal", "a@[192.0.2.1]"},
		{"IPv6 literal", "a@[IPv6:2001:db8::1]"},
		{"bare IPv4", "a@192.0.2.1"},
		{"bare IPv6", "a@2001:db8::1"},
		{"numeric TLD", "a@example.123"},
		{"no dot", "a@localhost"},
		{"trailing dot", "a@example.com."},
		{"empty label", "a@example..com"},
		{"quoted local part", `"a b"@example.com`},
		{"zero-width space in the local part", "a\u200b@example.com"},
		{"zero-width space in the domain", "a@exa\u200bmple.com"},
		{"zero-width joiner", "a@b\u200dcher.example"},
		{"soft hyphen", "a@exam\u00adple.com"},
		{"left-to-right mark at the end", "a@example.com\u200e"},
		{"right-to-left override", "\u202eann@example.com"},
		{"word joiner", "ann\u2060@example.com"},
		{"BOM", "\ufeffann@example.com"},
		{"no-break space", "ann\u00a0@example.com"},
		{"control character", "ann\x01@example.com"},
		{"Unicode domain not converted", "ann@bücher.example"},
		{"punycode of a control character", "a@xn--a.example"},
		{"undecodable punycode", "a@xn--zz.example"},
		{"empty punycode", "a@xn--.example"},
		{"punycode of plain ASCII", "a@xn--abc-.example"},
		{"punycode of a zero-width space", "a@xn--ab-h1t.example"},
		{"hyphens in 3rd and 4th place", "a@ab--cd.example"},
		{"leading hyphen", "a@-abc.example"},
		{"trailing hyphen", "a@abc-.example"},
		{"underscore", "a@exa_mple.com"},
		{"label over 63 octets", "a@" + strings.Repeat("a", 64) + ".example"},
		{"address over 254 octets", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + ".example"},
	} {
		got, err := todo.NormalizeEmail(tc.in)
		if err == nil || todo.ErrorCode(err) != todo.ValidationFailed {
			t.Errorf("%s: NormalizeEmail(%q) = %q, %v; want %s", tc.name, tc.in, got, err, todo.ValidationFailed)
			continue
		}
		if te, ok := err.(*todo.Error); !ok || te.Field != "email" {
			t.Errorf("%s: error %#v does not name the email field", tc.name, err)
		}
	}
}

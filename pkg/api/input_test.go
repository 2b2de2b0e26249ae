package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// TestPerIPBudgetsIPv6Network: an IPv6 client's budget is its /64's, so
// the addresses of one prefix share it (one subscriber may use any of
// them) and another /64 has its own.
func TestPerIPBudgetsIPv6Network(t *testing.T) {
	e := newEnv(t)
	e.srv.Limiter = &limit.Limiter{Store: e.store}
	e.srv.PerIP = map[string]limit.Budget{"register": {Max: 2, Window: time.Minute}}
	e.h = e.srv.Handler(e.fns...)
	reg := func(i int, remote string) resp {
		return e.do("POST", "/register", "", map[string]string{"email": fmt.Sprintf("v%d@example.com", i), "password": "correct horse battery"}, "X-Test-Remote", remote)
	}
	e.want(reg(0, "[2001:db8:1:2::1]:1000"), 202, "")
	e.want(reg(1, "[2001:db8:1:2:ffff:ffff:ffff:fffe]:1000"), 202, "")
	e.want(reg(2, "[2001:db8:1:2:abcd::9]:1000"), 429, todo.RateLimited)
	e.want(reg(3, "[2001:db8:1:3::1]:1000"), 202, "")
}

// TestStrictJSONKeys: encoding/json matches keys case-insensitively and
// keeps the last of duplicate keys, so a body could mean one thing to a
// proxy or a log reader and another to the handler. Unknown, duplicate and
// case-varied keys are refused with 400 invalid_request naming the key.
func TestStrictJSONKeys(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, body, field string }{
		{"unknown", `{"email":"a@example.com","password":"correct horse battery","admin":true}`, "admin"},
		{"duplicate", `{"email":"a@example.com","password":"x","password":"correct horse battery"}`, "password"},
		{"case-varied", `{"Email":"a@example.com","password":"correct horse battery"}`, "Email"},
		{"case-varied duplicate", `{"email":"a@example.com","EMAIL":"b@example.com","password":"correct horse battery"}`, "EMAIL"},
		{"duplicate in a nested object", `{"email":"a@example.com","password":"correct horse battery","name":{"a":1,"a":2}}`, "a"},
		{"fold-equal key (Kelvin sign)", "{\"email\":\"a@example.com\",\"passwor\u212a\":\"x\",\"password\":\"correct horse battery\"}", "passwor\u212a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/register", "", tc.body)
			if r.status != 400 || r.errCode() != todo.Invalid {
				t.Fatalf("got %d %s, want 400 %s", r.status, r.raw, todo.Invalid)
			}
			if r.errField() != tc.field || !strings.Contains(r.body["error"].(map[string]any)["message"].(string), tc.field) {
				t.Fatalf("field %q, message %s; want the key %q named", r.errField(), r.raw, tc.field)
			}
		})
	}
	e.want(e.do("POST", "/register", "", `{"email":"a@example.com","password":"correct horse battery","name":"A"}`), 202, "")
}

// TestEmailDomainsIDNA: an address with an internationalised domain is
// stored under its A-labels, so ann@bücher.example and
// ann@xn--bcher-kva.example are one account; domains that are not valid
// IDNA, IP literals and invisible characters are refused on the email
// field. The A-labels were computed with golang.org/x/net/idna's lookup
// profile and cross-checked against RFC 3492's samples.
func TestEmailDomainsIDNA(t *testing.T) {
	e := newEnv(t)
	register := func(email string) resp {
		return e.do("POST", "/register", "", map[string]string{"email": email, "password": "correct horse battery"})
	}
	for _, tc := range []struct{ in, stored string }{
		{"ann@bücher.example", "ann@xn--bcher-kva.example"},
		{"bob@BÜCHER.example", "bob@xn--bcher-kva.example"},
		{"x@münchen.de", "x@xn--mnchen-3ya.de"},
		{"x@faß.de", "x@xn--fa-hia.de"},
		{"x@例え.テスト", "x@xn--r8jz45g.xn--zckzah"},
		{"x@他们为什么不说中文.example", "x@xn--ihqwcrb4cv8a8dqg056pqjye.example"},
		{"x@למההםפשוטלאמדבריםעברית.example", "x@xn--4dbcagdahymbxekheh6e0a7fei0b.example"},
		{"x@почемужеонинеговорятпорусски.example", "x@xn--b1abfaaepdrnnbgefbadotcwatmq2g4l.example"},
		{"x@παράδειγμα.δοκιμή", "x@xn--hxajbheg2az3al.xn--jxalpdlp"},
		{"y@bu\u0308cher.example", "y@xn--bcher-kva.example"}, // NFD: UTS 46 maps to NFC
	} {
		if r := register(tc.in); r.status != 202 {
			t.Errorf("register %q: %d %s", tc.in, r.status, r.raw)
			continue
		}
		if _, err := e.store.User(context.Background(), tc.stored); err != nil {
			t.Errorf("register %q: no user %q: %v", tc.in, tc.stored, err)
		}
	}
	// The same mailbox in either spelling is one account: a second sign-up
	// does not make another user.
	before := e.countUsers("ann@xn--bcher-kva.example", "ann@bücher.example")
	register("ann@xn--bcher-kva.example")
	if after := e.countUsers("ann@xn--bcher-kva.example", "ann@bücher.example"); after != before || before != 1 {
		t.Errorf("users for ann's two spellings: %d before, %d after; want 1", before, after)
	}
	for _, bad := range []string{
		"a@[192.0.2.1]", "a@192.0.2.1", "a@exa\u200bmple.com", "a@exam\u00adple.com", "a@b\u200dücher.example",
		"a\u200b@example.com", "\u202eann@example.com", "a@xn--a.example", "a@xn--zz.example", "a@aב.example",
		"a@☃.example", "a@bücher\u3002example", "a@-bücher.example",
	} {
		r := register(bad)
		if r.status != 422 && r.status != 400 || r.errField() != "email" {
			t.Errorf("register %q: %d %s; want a 4xx on the email field", bad, r.status, r.raw)
		}
	}
}

// countUsers counts which of emails the store holds a user for.
func (e *env) countUsers(emails ...string) int {
	e.t.Helper()
	n := 0
	for _, em := range emails {
		if _, err := e.store.User(context.Background(), em); err == nil {
			n++
		}
	}
	return n
}

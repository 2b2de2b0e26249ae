package api_test

import (
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

package api_test

import (
	"fmt"
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

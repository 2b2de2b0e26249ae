package accountsvc

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/limit"
)

// TestLoginAccountLimit: LOGIN_ACCOUNT_LIMIT is the per-address budget of
// failed log-ins across all IPs (10 at once, 100 an hour by default);
// RATE_LIMITS=off, which turns off the per-IP budgets, leaves it on; and
// reset mails have a budget of their own, as large as CODE_MAILS_PER_DAY.
func TestLoginAccountLimit(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want limit.Budget
	}{
		{"default", nil, limit.Budget{Max: 10, Window: 6 * time.Minute}},
		{"set", map[string]string{"LOGIN_ACCOUNT_LIMIT": "20/1h"}, limit.Budget{Max: 20, Window: time.Hour}},
		{"RATE_LIMITS=off leaves it on", map[string]string{"RATE_LIMITS": "off"}, limit.Budget{Max: 10, Window: 6 * time.Minute}},
		{"off", map[string]string{"LOGIN_ACCOUNT_LIMIT": "off"}, limit.Budget{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := app.ConfigFrom(func(k string) string { return tt.env[k] })
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			p := policy(c.Limits)
			if p.LoginAccountFailures != tt.want {
				t.Fatalf("LoginAccountFailures = %v, want %v", p.LoginAccountFailures, tt.want)
			}
			if p.ResetMailsPerDay != c.Limits.CodeMailsPerDay {
				t.Fatalf("ResetMailsPerDay = %d, want CODE_MAILS_PER_DAY's %d", p.ResetMailsPerDay, c.Limits.CodeMailsPerDay)
			}
		})
	}
	err := app.ConfigFrom(func(k string) string { return map[string]string{"LOGIN_ACCOUNT_LIMIT": "lots"}[k] }).Validate()
	if err == nil || !strings.Contains(err.Error(), "LOGIN_ACCOUNT_LIMIT") {
		t.Fatalf("a bad LOGIN_ACCOUNT_LIMIT: %v", err)
	}
}

// TestDefaultPolicyIsTheSettingsDefaults: account.DefaultPolicy's
// configurable numbers are the settings table's defaults. Both must stay
// (package account is linked only by the account functions, so pkg/app,
// linked by every function, cannot read them from it, and the domain does
// not import the composition root), so this test keeps them equal.
func TestDefaultPolicyIsTheSettingsDefaults(t *testing.T) {
	c := app.ConfigFrom(func(string) string { return "" })
	got, want := policy(c.Limits), account.DefaultPolicy
	got.LoginAlert.Fixed = want.LoginAlert.Fixed // always fixed: Login sets it (see Policy.LoginAlert)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the settings table's defaults give\n%+v\naccount.DefaultPolicy is\n%+v", got, want)
	}
	// And the test can fail: a changed default is seen.
	c = app.ConfigFrom(func(k string) string { return map[string]string{"CODE_TRIES_PER_DAY": "21"}[k] })
	if reflect.DeepEqual(policy(c.Limits), want) {
		t.Fatal("CODE_TRIES_PER_DAY=21 left the policy as the default")
	}
}

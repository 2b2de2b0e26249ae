package todo

import "testing"

func TestNetworkOf(t *testing.T) {
	for _, tc := range []struct{ name, ip, want string }{
		{"ipv4 whole", "203.0.113.7", "203.0.113.7"},
		{"ipv4-mapped ipv6 is ipv4", "::ffff:203.0.113.7", "203.0.113.7"},
		{"ipv6 to its /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"another address of the same /64", "2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"zone dropped", "fe80::1%eth0", "fe80::/64"},
		{"not an address", "-", "-"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NetworkOf(tc.ip); got != tc.want {
				t.Fatalf("NetworkOf(%q) = %q, want %q", tc.ip, got, tc.want)
			}
		})
	}
}

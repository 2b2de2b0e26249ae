package wire

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	tests := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"peer", "127.0.0.2:5555", nil, nil, "127.0.0.2"},
		{"peer without port (platform events)", "203.0.113.7", nil, nil, "203.0.113.7"},
		{"ipv6 peer", "[2001:db8::1]:443", nil, nil, "2001:db8::1"},
		{"mapped ipv4", "[::ffff:198.51.100.4]:1", nil, nil, "198.51.100.4"},
		{"forwarded from an untrusted peer is ignored", "203.0.113.7:1", []string{"1.2.3.4"}, proxies, "203.0.113.7"},
		{"forwarded by a trusted proxy", "10.1.2.3:1", []string{"198.51.100.9"}, proxies, "198.51.100.9"},
		{"last untrusted hop wins", "10.1.2.3:1", []string{"6.6.6.6, 198.51.100.9, 192.0.2.1"}, proxies, "198.51.100.9"},
		{"several headers read as one list", "10.1.2.3:1", []string{"6.6.6.6", "198.51.100.9"}, proxies, "198.51.100.9"},
		{"only proxies", "10.1.2.3:1", []string{"10.9.9.9"}, proxies, "10.9.9.9"},
		{"malformed hop stops the walk", "10.1.2.3:1", []string{"198.51.100.9, junk"}, proxies, "10.1.2.3"},
		{"unreadable peer", "pipe", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tt.trusted); got != tt.want {
				t.Fatalf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

package wire

import (
	"net/http/httptest"
	"testing"
)

// TestProxyReportedClient: the address the proxy in front reports for its
// own peer is FC's x-fc-client-ip when it holds an IP address, else the
// last X-Forwarded-For hop (the one the proxy appended), else nothing; a
// prefix the client wrote into X-Forwarded-For never moves it.
func TestProxyReportedClient(t *testing.T) {
	tests := []struct {
		name     string
		fcClient string
		xff      []string
		want     string
	}{
		{"x-fc-client-ip", "198.51.100.23", nil, "198.51.100.23"},
		{"x-fc-client-ip over a forged X-Forwarded-For", "198.51.100.23", []string{"6.6.6.6"}, "198.51.100.23"},
		{"last hop", "", []string{"198.51.100.23"}, "198.51.100.23"},
		{"forged prefix", "", []string{"6.6.6.6, 7.7.7.7, 198.51.100.23"}, "198.51.100.23"},
		{"forged prefix in its own header", "", []string{"6.6.6.6", "198.51.100.23"}, "198.51.100.23"},
		{"ipv6", "", []string{"2001:db8::7"}, "2001:db8::7"},
		{"empty x-fc-client-ip", " ", []string{"198.51.100.23"}, "198.51.100.23"},
		{"malformed x-fc-client-ip", "not-an-ip", []string{"198.51.100.23"}, "198.51.100.23"},
		{"malformed last hop", "", []string{"198.51.100.23, junk"}, ""},
		{"nothing", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "10.0.0.5:40000"
			if tt.fcClient != "" {
				r.Header.Set(FCClientIPHeader, tt.fcClient)
			}
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ProxyReportedClient(r); got != tt.want {
				t.Fatalf("ProxyReportedClient = %q, want %q", got, tt.want)
			}
		})
	}
}

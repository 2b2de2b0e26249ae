package platform

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/todofn/todofn/pkg/wire"
)

// TestFCCustomRuntimeClientIP: on FC's custom runtime the server's peer is
// FC's own front end, so every client would share its address; the client
// is the address FC reports (x-fc-client-ip, else the X-Forwarded-For hop
// FC appended), and what a client writes before that hop does not move
// it. Off FC, the same headers from an untrusted peer change nothing.
func TestFCCustomRuntimeClientIP(t *testing.T) {
	const fcPeer = "10.0.0.5:40000" // FC's front end, as the socket sees it
	tests := []struct {
		name     string
		fcCustom bool
		headers  [][2]string
		want     string
	}{
		{"fc: the hop FC appended", true, [][2]string{{"X-Forwarded-For", "198.51.100.23"}}, "198.51.100.23"},
		{"fc: a forged prefix", true, [][2]string{{"X-Forwarded-For", "6.6.6.6, 198.51.100.23"}}, "198.51.100.23"},
		{"fc: x-fc-client-ip", true, [][2]string{{"X-Fc-Client-Ip", "198.51.100.23"}, {"X-Forwarded-For", "6.6.6.6"}}, "198.51.100.23"},
		{"fc: nothing reported", true, nil, "10.0.0.5"},
		{"plain server: headers ignored", false, [][2]string{{"X-Fc-Client-Ip", "6.6.6.6"}, {"X-Forwarded-For", "7.7.7.7"}}, "10.0.0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			h := plainHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = wire.ClientIP(r, nil) // what pkg/api keys budgets on, with no TRUSTED_PROXIES
			}), tt.fcCustom)
			r := httptest.NewRequest("POST", "/register", nil)
			r.RemoteAddr = fcPeer
			r.Header.Set("X-Fc-Request-Id", "1-abc-def")
			r.Header.Set("X-Fc-Control-Path", "/http-invoke")
			for _, kv := range tt.headers {
				r.Header.Add(kv[0], kv[1])
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Fatalf("client IP %q, want %q", got, tt.want)
			}
		})
	}
}

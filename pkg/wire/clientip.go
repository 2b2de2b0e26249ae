package wire

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the address of the client that sent r: the peer's
// (r.RemoteAddr, which package platform fills with the function URL's or
// HTTP trigger's source IP, and net/http with the socket's), or, when the
// peer is one of the trusted proxies, the last address in X-Forwarded-For
// that is not itself a trusted proxy. X-Forwarded-For from any other peer
// is ignored: a client can write anything there. It returns "" when the
// peer's address cannot be read.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseIP(r.RemoteAddr)
	if !ok {
		return ""
	}
	if !contains(trusted, peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseIP(strings.TrimSpace(hops[i]))
		if !ok {
			break // a malformed hop: trust nothing before it
		}
		if !contains(trusted, a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

// parseIP reads "ip", "ip:port" or "[ip]:port", unmapping IPv4-in-IPv6.
func parseIP(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

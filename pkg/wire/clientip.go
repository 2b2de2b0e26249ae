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

// FCClientIPHeader is the header in which Function Compute's front end
// names the client to a function's HTTP server. FC's documentation of the
// custom runtime's common headers does not list it; FC's own runtime
// clients read it (the native runtimes' x-fc-client-ip), and FC reserves
// the x-fc- prefix: "Request headers do not support custom fields that
// start with x-fc-" (Web functions, Limits:
// https://www.alibabacloud.com/help/en/functioncompute/fc/web-functions),
// so a client cannot send its own.
const FCClientIPHeader = "X-Fc-Client-Ip"

// ProxyReportedClient returns the address that the proxy in front of this
// server reports for the peer it serves: FCClientIPHeader if it holds an IP
// address, else the last X-Forwarded-For hop (a proxy appends its peer's
// address at the end; everything before it is whatever the client wrote),
// else "" (also when that hop is not an IP address). Only a server that
// knows such a proxy is its one peer may believe the answer: package
// platform does so on FC's custom runtime, where the peer is always FC's
// front end.
func ProxyReportedClient(r *http.Request) string {
	if a, ok := parseIP(strings.TrimSpace(r.Header.Get(FCClientIPHeader))); ok {
		return a.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	if len(hops) == 0 {
		return ""
	}
	last := hops[len(hops)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	if a, ok := parseIP(strings.TrimSpace(last)); ok {
		return a.String()
	}
	return ""
}

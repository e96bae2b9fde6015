package tlscert

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"msnserver/web/hosts"
)

// defaultDNSNames are the Microsoft hosts Messenger reaches over HTTPS, which
// the user points at this server (hosts file or DNS), from the one list in
// package hosts, plus localhost.
var defaultDNSNames = append(hosts.TLSNames(), "localhost")

var defaultIPs = []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}

// wanted returns the defaults plus hosts, split into DNS names and IPs.
// A host may carry a port ("example.org:443", "[::1]:443"); unspecified
// addresses (0.0.0.0, ::) and empty strings are skipped.
func wanted(hosts []string) (names []string, ips []net.IP, err error) {
	names = slices.Clone(defaultDNSNames)
	ips = slices.Clone(defaultIPs)
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if h == "" {
			continue
		}
		if addr, err := netip.ParseAddr(h); err == nil {
			addr = addr.WithZone("").Unmap()
			if !addr.IsUnspecified() {
				ips = addIP(ips, net.IP(addr.AsSlice()))
			}
			continue
		}
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if !validDNSName(h) {
			return nil, nil, fmt.Errorf("invalid host name %q for the certificate", h)
		}
		names = addName(names, h)
	}
	return names, ips, nil
}

// validDNSName accepts letters, digits, '-', '.', '_' and a leading "*.".
func validDNSName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	rest := strings.TrimPrefix(h, "*.")
	if rest == "" {
		return false
	}
	for _, label := range strings.Split(rest, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			default:
				return false
			}
		}
	}
	return true
}

func addName(names []string, name string) []string {
	if slices.Contains(names, name) {
		return names
	}
	return append(names, name)
}

func addIP(ips []net.IP, ip net.IP) []net.IP {
	if slices.ContainsFunc(ips, ip.Equal) {
		return ips
	}
	return append(ips, ip)
}

// missing lists the wanted names and IPs the leaf does not cover. A plain
// name covered by one of the leaf's wildcards counts as covered.
func missing(leaf *x509.Certificate, names []string, ips []net.IP) []string {
	var out []string
	for _, n := range names {
		if slices.Contains(leaf.DNSNames, n) {
			continue
		}
		if !strings.Contains(n, "*") && leaf.VerifyHostname(n) == nil {
			continue
		}
		out = append(out, n)
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			out = append(out, ip.String())
		}
	}
	return out
}

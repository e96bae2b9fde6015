package tlscert

import (
	"crypto/x509"
	"net"
	"slices"
	"strings"

	"msnserver/web/hosts"
)

// privateRanges are the addresses a LAN server or a test has: loopback,
// private, shared (CGNAT, VPN overlays), link-local and unique-local.
var privateRanges = []string{
	"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
	"::1/128", "fc00::/7", "fe80::/10",
}

// constraints are the names and addresses a new CA may sign for: the
// domains of the Microsoft (and Yahoo!) hosts clients reach, localhost, the
// names and addresses the server has when the CA is made, and private
// address ranges. A permitted DNS domain covers its subdomains.
func constraints(names []string, ips []net.IP) (domains []string, ranges []*net.IPNet) {
	add := func(d string) {
		d = strings.TrimPrefix(d, "*.")
		if d != "" && !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	for _, h := range append(hosts.All(), hosts.Wildcards...) {
		add(baseDomain(h))
	}
	for _, n := range names {
		add(n)
	}
	add("localhost")
	for _, r := range privateRanges {
		_, n, _ := net.ParseCIDR(r)
		ranges = append(ranges, n)
	}
	for _, ip := range ips {
		if permittedIP(ranges, ip) {
			continue
		}
		bits := 128
		if ip.To4() != nil {
			ip, bits = ip.To4(), 32
		}
		ranges = append(ranges, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
	}
	return domains, ranges
}

// baseDomain is the last two labels of a host name ("ows.messenger.msn.com"
// gives "msn.com").
func baseDomain(h string) string {
	labels := strings.Split(strings.TrimPrefix(h, "*."), ".")
	if len(labels) <= 2 {
		return strings.Join(labels, ".")
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

// allowedBy splits names and ips into those ca's name constraints permit and
// the rest. A CA from before constraints existed permits everything. A leaf
// may carry only permitted names: one name outside the constraints makes
// clients refuse the whole certificate.
func allowedBy(ca *x509.Certificate, names []string, ips []net.IP) (okNames []string, okIPs []net.IP, refused []string) {
	for _, n := range names {
		if len(ca.PermittedDNSDomains) == 0 || permittedName(ca.PermittedDNSDomains, n) {
			okNames = append(okNames, n)
		} else {
			refused = append(refused, n)
		}
	}
	for _, ip := range ips {
		if len(ca.PermittedIPRanges) == 0 || permittedIP(ca.PermittedIPRanges, ip) {
			okIPs = append(okIPs, ip)
		} else {
			refused = append(refused, ip.String())
		}
	}
	return okNames, okIPs, refused
}

func permittedName(domains []string, name string) bool {
	name = strings.TrimPrefix(name, "*.")
	for _, d := range domains {
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	return false
}

func permittedIP(ranges []*net.IPNet, ip net.IP) bool {
	return slices.ContainsFunc(ranges, func(n *net.IPNet) bool { return n.Contains(ip) })
}

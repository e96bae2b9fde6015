package admin

import (
	"context"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
	"msnserver/web/hosts"
)

// clientHosts are the Microsoft host names Messenger clients talk to, from
// the one list the certificate and the README use too.
var clientHosts = func() []views.HostName {
	out := make([]views.HostName, len(hosts.Messenger))
	for i, n := range hosts.Messenger {
		out[i] = views.HostName{Name: n.Host, Use: n.Use}
	}
	return out
}()

// handleSetup explains how to point a client at this server.
func (s *Server) handleSetup(c *fiber.Ctx) error {
	host := s.b.PublicHost()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	addr, ok := resolve(c.UserContext(), host)
	d := views.SetupData{Host: host, Address: addr, Resolved: ok, Hosts: clientHosts, HasCert: len(s.b.CACertPEM()) > 0}
	if ok && d.HasCert {
		d.ScriptURL = setupScriptURL(c, addr)
	}
	p := s.page(c, "Client setup", "setup")
	p.Warnings = s.cfg.Warnings
	return s.render(c, fiber.StatusOK, views.Setup(p, d))
}

// resolve gives the IPv4 address (else any) of host for the hosts file, or a
// placeholder when it has none.
func resolve(ctx context.Context, host string) (string, bool) {
	if host == "" {
		return "SERVER-IP", false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), true
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return "IP-OF-" + host, false
	}
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip.String(), true
		}
	}
	return ips[0].String(), true
}

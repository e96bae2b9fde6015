package admin

import (
	"context"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// clientHosts are the Microsoft host names Windows Live Messenger 8 talks to
// that this server answers (protocol/soap-services.md §1, ns-login.md §1).
var clientHosts = []views.HostName{
	{Name: "messenger.hotmail.com", Use: "notification server (MSNP, port 1863)"},
	{Name: "login.live.com", Use: "Passport sign-in tokens (HTTPS /RST.srf)"},
	{Name: "login.passport.net", Use: "Passport sign-in tokens, older builds"},
	{Name: "loginnet.passport.com", Use: "Passport sign-in tokens, older builds"},
	{Name: "contacts.msn.com", Use: "address book and sharing services"},
	{Name: "omega.contacts.msn.com", Use: "address book (alias)"},
	{Name: "byrdr.omega.contacts.msn.com", Use: "address book (alias)"},
	{Name: "rsi.hotmail.com", Use: "offline messages: reading"},
	{Name: "ows.messenger.msn.com", Use: "offline messages: sending"},
	{Name: "config.messenger.msn.com", Use: "client configuration"},
}

// handleSetup explains how to point a client at this server.
func (s *Server) handleSetup(c *fiber.Ctx) error {
	host := s.b.PublicHost()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	addr, ok := resolve(c.UserContext(), host)
	d := views.SetupData{Host: host, Address: addr, Resolved: ok, Hosts: clientHosts, HasCert: len(s.b.CACertPEM()) > 0}
	return s.render(c, fiber.StatusOK, views.Setup(s.page(c, "Client setup", "setup"), d))
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

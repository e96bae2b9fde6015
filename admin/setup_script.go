package admin

import (
	"net"

	"github.com/gofiber/fiber/v2"

	"msnserver/web/hosts"
)

// setupScriptPath is where client PCs download their setup script.
const setupScriptPath = "/msnserver-setup.cmd"

// handleSetupScript serves the Windows setup script for this server. It is
// public like /ca.crt: it holds only the server's address and certificate,
// and the PCs that run it have no admin login.
func (s *Server) handleSetupScript(c *fiber.Ctx) error {
	host := s.b.PublicHost()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	addr, ok := resolve(c.UserContext(), host)
	if !ok {
		return fiber.NewError(fiber.StatusServiceUnavailable,
			"The server does not know its own IP address ("+host+" does not resolve), so it cannot write the hosts lines. Start it with -public-host set to its LAN address.")
	}
	script, err := hosts.WindowsScript(addr, s.b.CACertPEM())
	if err != nil {
		return fiber.NewError(fiber.StatusServiceUnavailable, "The setup script cannot be made: "+err.Error())
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="msnserver-setup.cmd"`)
	return c.Send(script)
}

// setupScriptURL is the script's address as a client PC types it: this
// server's address and the console's port.
func setupScriptURL(c *fiber.Ctx, addr string) string {
	_, port, err := net.SplitHostPort(c.Context().LocalAddr().String())
	if err != nil {
		return setupScriptPath
	}
	return "http://" + net.JoinHostPort(addr, port) + setupScriptPath
}

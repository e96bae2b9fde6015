package admin

import (
	"github.com/gofiber/fiber/v2"
)

// handleCACert serves the CA certificate that client PCs install. It is
// public: a certificate is no secret, and the PCs have no admin login.
func (s *Server) handleCACert(c *fiber.Ctx) error {
	pem := s.b.CACertPEM()
	if len(pem) == 0 {
		return fiber.NewError(fiber.StatusNotFound, "The server has no CA certificate yet.")
	}
	c.Set(fiber.HeaderContentType, "application/x-x509-ca-cert")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="msnserver-ca.crt"`)
	return c.Send(pem)
}

package admin

import (
	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleAccountNew shows the empty create-account form.
func (s *Server) handleAccountNew(c *fiber.Ctx) error {
	d := views.AccountNewData{Network: NetworkMSN}
	return s.render(c, fiber.StatusOK, views.AccountNew(s.page(c, "New account", "accounts"), d))
}

package admin

import (
	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handlePasswordShow shows the form where admins change their own password.
func (s *Server) handlePasswordShow(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, views.Password(s.page(c, "Change password", ""), views.PasswordData{}))
}

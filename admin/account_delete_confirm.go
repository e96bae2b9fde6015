package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleAccountDeleteConfirm asks before deleting an account.
func (s *Server) handleAccountDeleteConfirm(c *fiber.Ctx) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	detail, err := s.b.Account(c.UserContext(), email)
	if err != nil {
		return fmt.Errorf("loading account %s: %w", email, err)
	}
	page := s.page(c, "Delete "+detail.Email, "accounts")
	return s.render(c, fiber.StatusOK, views.AccountDelete(page, views.AccountData{Detail: detail}))
}

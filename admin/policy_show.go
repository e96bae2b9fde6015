package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handlePolicyShow shows the policy editor with the current document.
func (s *Server) handlePolicyShow(c *fiber.Ctx) error {
	doc, err := s.b.Policy(c.UserContext())
	if err != nil {
		return fmt.Errorf("loading the policy: %w", err)
	}
	return s.render(c, fiber.StatusOK, views.Policy(s.page(c, "Shields policy", "policy"), views.PolicyData{XML: doc}))
}

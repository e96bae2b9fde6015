package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleAccountDisable disables (signing the user out) or enables an account.
func (s *Server) handleAccountDisable(disable bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		email, err := emailParam(c)
		if err != nil {
			return err
		}
		if err := s.b.SetDisabled(c.UserContext(), email, disable); err != nil {
			return fmt.Errorf("setting %s disabled=%v: %w", email, disable, err)
		}
		sess, _ := currentSession(c)
		s.log.Info("admin: account access changed", "admin", sess.user, "email", email, "disabled", disable)
		notice := email + " is enabled again."
		if disable {
			notice = email + " is disabled and signed out."
		}
		return s.done(c, views.AccountURL(email, ""), notice)
	}
}

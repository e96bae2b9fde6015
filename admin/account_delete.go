package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// handleAccountDelete deletes an account with everything it owns.
func (s *Server) handleAccountDelete(c *fiber.Ctx) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	if err := s.b.DeleteAccount(c.UserContext(), email); err != nil {
		return fmt.Errorf("deleting %s: %w", email, err)
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: account deleted", "admin", sess.user, "email", email)
	return s.done(c, "/accounts", "Account "+email+" deleted.")
}

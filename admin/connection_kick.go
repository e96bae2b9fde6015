package admin

import (
	"github.com/gofiber/fiber/v2"
)

// handleConnectionKick signs a user out (OUT, then the connection closes).
func (s *Server) handleConnectionKick(c *fiber.Ctx) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	if !s.b.Kick(email) {
		return s.failed(c, "/connections", email+" is not signed in.")
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: user kicked", "admin", sess.user, "email", email)
	return s.done(c, "/connections", email+" was signed out.")
}

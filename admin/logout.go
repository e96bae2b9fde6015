package admin

import (
	"github.com/gofiber/fiber/v2"
)

// handleLogout ends the session on the server, so its cookie is dead even if kept.
func (s *Server) handleLogout(c *fiber.Ctx) error {
	sess, _ := currentSession(c)
	s.sessions.remove(sess.id)
	s.clearCookie(c, sessionCookie, "/")
	s.log.Info("admin: signed out", "user", sess.user)
	return c.Redirect("/login?bye=1", fiber.StatusSeeOther)
}

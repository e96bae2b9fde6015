package admin

import (
	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handleConnectionMessage sends an admin message to one signed-in user.
func (s *Server) handleConnectionMessage(c *fiber.Ctx) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	f := form.NewMessage(formGetter(c))
	if err := f.Validate(); err != nil {
		d := s.connectionsData()
		d.MessageTo, d.MessageText, d.Error = email, f.Text, "Message to "+email+": "+err.Error()
		return s.render(c, fiber.StatusUnprocessableEntity, views.Connections(s.page(c, "Connections", "connections"), d))
	}
	if !s.b.SendTo(email, f.Text) {
		return s.failed(c, "/connections", email+" is not signed in; the message was not sent.")
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: message sent", "admin", sess.user, "email", email)
	return s.done(c, "/connections", "Message sent to "+email+".")
}

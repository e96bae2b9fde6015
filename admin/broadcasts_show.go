package admin

import (
	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleBroadcastsShow shows the broadcast forms and what was sent.
func (s *Server) handleBroadcastsShow(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, views.Broadcasts(s.page(c, "Broadcasts", "broadcasts"), s.broadcastsData()))
}

func (s *Server) broadcastsData() views.BroadcastsData {
	return views.BroadcastsData{Online: len(s.b.Sessions()), History: s.history.list()}
}

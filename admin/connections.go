package admin

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleConnections lists who is signed in and the conversations in progress.
func (s *Server) handleConnections(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, views.Connections(s.page(c, "Connections", "connections"), s.connectionsData()))
}

func (s *Server) connectionsData() views.ConnectionsData {
	sessions := s.b.Sessions()
	slices.SortFunc(sessions, func(a, b Session) int { return strings.Compare(a.Email, b.Email) })
	sbs := s.b.Switchboards()
	slices.SortFunc(sbs, func(a, b Switchboard) int { return a.Since.Compare(b.Since) })
	return views.ConnectionsData{Sessions: sessions, Switchboards: sbs}
}

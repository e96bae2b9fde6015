package admin

import (
	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleDashboard shows the counters, the traffic chart and the latest broadcasts.
func (s *Server) handleDashboard(c *fiber.Ctx) error {
	latest := s.history.list()
	if len(latest) > 5 {
		latest = latest[:5]
	}
	d := views.DashboardData{Stats: s.b.Stats(), Latest: latest}
	p := s.page(c, "Dashboard", "dashboard")
	p.Warnings = s.cfg.Warnings
	return s.render(c, fiber.StatusOK, views.Dashboard(p, d))
}

package admin

import (
	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleLoginShow shows the sign-in form. The form's CSRF token also goes
// into a cookie, so a page on another site cannot sign the browser in.
func (s *Server) handleLoginShow(c *fiber.Ctx) error {
	if _, err := s.lookupSession(c.Cookies(sessionCookie)); err == nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	token := c.Cookies(loginCookie)
	if len(token) != tokenLen {
		token = randomToken()
		s.setCookie(c, loginCookie, token, "/login", s.now().Add(s.cfg.SessionTTL))
	}
	d := views.LoginData{Next: c.Query("next")}
	if c.Query("bye") != "" {
		d.Notice = "You are signed out."
	}
	return s.render(c, fiber.StatusOK, views.Login(views.Page{Title: "Sign in", CSRF: token}, d))
}

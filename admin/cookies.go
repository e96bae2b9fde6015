package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// loginCookie carries the sign-in form's CSRF token before there is a session.
const loginCookie = "msnadmin_login"

// setCookie sets an HttpOnly, SameSite=Strict cookie (Secure when configured).
// A zero expires makes a cookie that ends with the browser session.
func (s *Server) setCookie(c *fiber.Ctx, name, value, path string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		Expires:  expires,
		HTTPOnly: true,
		Secure:   s.cfg.Secure,
		SameSite: fiber.CookieSameSiteStrictMode,
	})
}

// clearCookie tells the browser to forget a cookie.
func (s *Server) clearCookie(c *fiber.Ctx, name, path string) {
	s.setCookie(c, name, "", path, time.Unix(0, 0))
}

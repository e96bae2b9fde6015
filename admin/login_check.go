package admin

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handleLoginCheck signs an admin in. Failures are delayed, counted per
// client address, and past the limit refused with 429 before any check.
func (s *Server) handleLoginCheck(c *fiber.Ctx) error {
	token := c.Cookies(loginCookie)
	if !tokenEqual(csrfToken(c), token) {
		return fiber.NewError(fiber.StatusForbidden, "The sign-in form has expired. Reload it and try again.")
	}
	f := form.NewLogin(formGetter(c))
	again := func(status int, msg string) error {
		page := views.Page{Title: "Sign in", CSRF: token}
		return s.render(c, status, views.Login(page, views.LoginData{User: f.User, Next: f.Next, Error: msg}))
	}
	if err := f.Validate(); err != nil {
		return again(fiber.StatusUnprocessableEntity, err.Error())
	}
	// The attempt counts (per address and per admin name) before bcrypt
	// runs, so concurrent sign-ins cannot all be checked before one fails.
	ip := c.IP()
	attempt, allowed := s.limiter.Reserve("ip:"+ip, "admin:"+f.User)
	if !allowed {
		s.log.Warn("admin: sign-in refused: too many failures", "ip", ip, "user", f.User)
		c.Set(fiber.HeaderRetryAfter, "60")
		return again(fiber.StatusTooManyRequests, "Too many failed sign-ins from your address. Wait a minute, then try again.")
	}
	ok, err := s.b.CheckAdminPassword(c.UserContext(), f.User, f.Password)
	if err != nil {
		return fmt.Errorf("checking the password of admin %q: %w", f.User, err)
	}
	if !ok {
		s.log.Warn("admin: sign-in failed", "user", f.User, "ip", ip)
		time.Sleep(s.cfg.FailedLoginDelay)
		return again(fiber.StatusUnauthorized, "Wrong user name or password.")
	}
	attempt.Succeeded()

	sess := s.sessions.create(f.User, s.now(), s.cfg.SessionTTL)
	jwt, err := s.signSession(sess)
	if err != nil {
		s.sessions.remove(sess.id)
		return err
	}
	s.setCookie(c, sessionCookie, jwt, "/", sess.expires)
	s.clearCookie(c, loginCookie, "/login")
	s.log.Info("admin: signed in", "user", f.User, "ip", ip)
	return c.Redirect(f.SafeNext(), fiber.StatusSeeOther)
}

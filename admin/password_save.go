package admin

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handlePasswordSave changes the signed-in admin's password after checking
// the current one (a wrong one counts as a failed sign-in), then ends the
// admin's other sessions.
func (s *Server) handlePasswordSave(c *fiber.Ctx) error {
	sess, _ := currentSession(c)
	f := form.NewAdminPassword(formGetter(c))
	again := func(status int, msg string) error {
		return s.render(c, status, views.Password(s.page(c, "Change password", ""), views.PasswordData{Error: msg}))
	}
	if err := f.Validate(); err != nil {
		return again(fiber.StatusUnprocessableEntity, err.Error())
	}
	ip := c.IP()
	attempt, allowed := s.limiter.Reserve("ip:"+ip, "admin:"+sess.user)
	if !allowed {
		c.Set(fiber.HeaderRetryAfter, "60")
		return again(fiber.StatusTooManyRequests, "Too many wrong passwords from your address. Wait a minute, then try again.")
	}
	ok, err := s.b.CheckAdminPassword(c.UserContext(), sess.user, f.Current)
	if err != nil {
		return fmt.Errorf("checking the password of admin %q: %w", sess.user, err)
	}
	if !ok {
		s.log.Warn("admin: wrong current password", "user", sess.user, "ip", ip)
		time.Sleep(s.cfg.FailedLoginDelay)
		return again(fiber.StatusUnprocessableEntity, "Your current password is wrong.")
	}
	attempt.Succeeded()
	err = s.b.SetAdminPassword(c.UserContext(), sess.user, f.Password)
	switch {
	case errors.Is(err, ErrInvalid):
		return again(fiber.StatusUnprocessableEntity, backendMessage(err, "The server refused this password."))
	case err != nil:
		return fmt.Errorf("setting the password of admin %q: %w", sess.user, err)
	}
	s.sessions.removeUser(sess.user, sess.id)
	s.log.Info("admin: password changed", "user", sess.user, "ip", ip)
	return s.done(c, "/", "Your password is changed; your other sessions are signed out.")
}

package admin

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handleAccountPassword sets a new password for an account.
func (s *Server) handleAccountPassword(c *fiber.Ctx) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	f := form.NewPassword(formGetter(c))
	again := func(msg string) error {
		return s.showAccount(c, fiber.StatusUnprocessableEntity, func(d *views.AccountData) { d.PasswordError = msg })
	}
	if err := f.Validate(); err != nil {
		return again(err.Error())
	}
	err = s.b.SetPassword(c.UserContext(), email, f.Password)
	switch {
	case errors.Is(err, ErrInvalid):
		return again(backendMessage(err, "The server refused this password."))
	case err != nil:
		return fmt.Errorf("setting the password of %s: %w", email, err)
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: account password set", "admin", sess.user, "email", email)
	return s.done(c, views.AccountURL(email, ""), "New password set for "+email+".")
}

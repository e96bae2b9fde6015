package admin

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handleAccountRename sets an account's friendly name.
func (s *Server) handleAccountRename(c *fiber.Ctx) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	f := form.NewRename(formGetter(c))
	again := func(msg string) error {
		return s.showAccount(c, fiber.StatusUnprocessableEntity, func(d *views.AccountData) {
			d.Name, d.RenameError = f.Name, msg
		})
	}
	if err := f.Validate(); err != nil {
		return again(err.Error())
	}
	err = s.b.RenameAccount(c.UserContext(), email, f.Name)
	switch {
	case errors.Is(err, ErrInvalid):
		return again(backendMessage(err, "The server refused this name."))
	case err != nil:
		return fmt.Errorf("renaming %s: %w", email, err)
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: account renamed", "admin", sess.user, "email", email)
	return s.done(c, views.AccountURL(email, ""), "Renamed to “"+f.Name+"”.")
}

package admin

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handleAccountCreate creates an account, or shows the form again with the reason.
func (s *Server) handleAccountCreate(c *fiber.Ctx) error {
	f := form.NewAccount(formGetter(c))
	again := func(status int, msg string) error {
		d := views.AccountNewData{Email: f.Email, Name: f.Name, Network: f.Network, Error: msg}
		return s.render(c, status, views.AccountNew(s.page(c, "New account", "accounts"), d))
	}
	if err := f.Validate(); err != nil {
		return again(fiber.StatusUnprocessableEntity, err.Error())
	}
	err := s.b.CreateAccount(c.UserContext(), f.Email, f.Password, f.Name, f.Network)
	switch {
	case errors.Is(err, ErrExists):
		return again(fiber.StatusConflict, "An account "+f.Email+" already exists.")
	case errors.Is(err, ErrInvalid):
		return again(fiber.StatusUnprocessableEntity, backendMessage(err, "The server refused these values."))
	case err != nil:
		return fmt.Errorf("creating account %s: %w", f.Email, err)
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: account created", "admin", sess.user, "email", f.Email, "network", f.Network)
	return s.done(c, views.AccountURL(f.Email, ""), "Account "+f.Email+" created.")
}

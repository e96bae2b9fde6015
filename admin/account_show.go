package admin

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleAccountShow shows one account: details, contacts, groups and its forms.
func (s *Server) handleAccountShow(c *fiber.Ctx) error {
	return s.showAccount(c, fiber.StatusOK, nil)
}

// showAccount renders the account page, letting edit fill in a form's error.
func (s *Server) showAccount(c *fiber.Ctx, status int, edit func(*views.AccountData)) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	detail, err := s.b.Account(c.UserContext(), email)
	if err != nil {
		return fmt.Errorf("loading account %s: %w", email, err)
	}
	d := views.AccountData{Detail: detail, Name: detail.Name, Session: s.sessionOf(detail.Email)}
	if edit != nil {
		edit(&d)
	}
	return s.render(c, status, views.Account(s.page(c, detail.Email, "accounts"), d))
}

// sessionOf is the online session of email, if any.
func (s *Server) sessionOf(email string) *Session {
	for _, sess := range s.b.Sessions() {
		if strings.EqualFold(sess.Email, email) {
			return &sess
		}
	}
	return nil
}

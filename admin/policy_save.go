package admin

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handlePolicySave stores a new policy document. A document that is not
// well-formed, or whose root is not <Policies>, is never saved: the editor
// comes back with the admin's text and the reason.
func (s *Server) handlePolicySave(c *fiber.Ctx) error {
	f := form.NewPolicy(formGetter(c))
	again := func(msg string) error {
		d := views.PolicyData{XML: f.XML, Error: msg}
		return s.render(c, fiber.StatusUnprocessableEntity, views.Policy(s.page(c, "Shields policy", "policy"), d))
	}
	if err := f.Validate(); err != nil {
		return again(err.Error())
	}
	err := s.b.SetPolicy(c.UserContext(), f.XML)
	switch {
	case errors.Is(err, ErrInvalid):
		return again(backendMessage(err, "The server refused this policy."))
	case err != nil:
		return fmt.Errorf("saving the policy: %w", err)
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: policy saved", "admin", sess.user, "bytes", len(f.XML))
	return s.done(c, "/policy", "Policy saved. Clients receive it when they next sign in.")
}

package admin

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleInvitesShow shows the sign-up switches and the unused invite codes.
func (s *Server) handleInvitesShow(c *fiber.Ctx) error {
	if s.signup == nil {
		return fiber.NewError(fiber.StatusNotFound, "This server has no sign-up page.")
	}
	set, err := s.signup.SignupSettings(c.UserContext())
	if err != nil {
		return fmt.Errorf("reading the sign-up settings: %w", err)
	}
	invites, err := s.signup.Invites(c.UserContext())
	if err != nil {
		return fmt.Errorf("listing invite codes: %w", err)
	}
	url := "/signup"
	if _, port, err := net.SplitHostPort(c.Context().LocalAddr().String()); err == nil {
		host := s.b.PublicHost()
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		url = "http://" + net.JoinHostPort(host, port) + "/signup"
	}
	d := views.InvitesData{Settings: set, Invites: invites, SignupURL: url}
	return s.render(c, fiber.StatusOK, views.Invites(s.page(c, "Sign-up", "signup"), d))
}

// handleSignupSettingsSave turns the sign-up page and the invite requirement on or off.
func (s *Server) handleSignupSettingsSave(c *fiber.Ctx) error {
	if s.signup == nil {
		return fiber.NewError(fiber.StatusNotFound, "This server has no sign-up page.")
	}
	set := SignupSettings{Open: c.FormValue("open") == "1", InviteOnly: c.FormValue("invite_only") == "1"}
	if err := s.signup.SetSignupSettings(c.UserContext(), set); err != nil {
		return fmt.Errorf("saving the sign-up settings: %w", err)
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: sign-up settings changed", "admin", sess.user, "open", set.Open, "invite_only", set.InviteOnly)
	msg := "The sign-up page is off."
	switch {
	case set.Open && set.InviteOnly:
		msg = "The sign-up page is on, for people with an invite code."
	case set.Open:
		msg = "The sign-up page is on, for anyone who can reach it."
	}
	return s.done(c, "/invites", msg)
}

// handleInviteCreate makes a new invite code.
func (s *Server) handleInviteCreate(c *fiber.Ctx) error {
	if s.signup == nil {
		return fiber.NewError(fiber.StatusNotFound, "This server has no sign-up page.")
	}
	note := strings.TrimSpace(c.FormValue("note"))
	if len([]rune(note)) > 100 || strings.ContainsFunc(note, func(r rune) bool { return r < ' ' }) {
		return s.failed(c, "/invites", "The note must be one line of at most 100 characters.")
	}
	inv, err := s.signup.CreateInvite(c.UserContext(), note)
	if err != nil {
		return fmt.Errorf("creating an invite code: %w", err)
	}
	sess, _ := currentSession(c)
	s.log.Info("admin: invite code created", "admin", sess.user, "note", note)
	return s.done(c, "/invites", "New invite code: "+inv.Code)
}

// handleInviteDelete withdraws an unused invite code.
func (s *Server) handleInviteDelete(c *fiber.Ctx) error {
	if s.signup == nil {
		return fiber.NewError(fiber.StatusNotFound, "This server has no sign-up page.")
	}
	code := c.Params("code")
	err := s.signup.DeleteInvite(c.UserContext(), code)
	if errors.Is(err, ErrNotFound) {
		return s.failed(c, "/invites", "The code "+code+" was already used or withdrawn.")
	}
	if err != nil {
		return fmt.Errorf("withdrawing invite %s: %w", code, err)
	}
	return s.done(c, "/invites", "The code "+code+" is withdrawn.")
}

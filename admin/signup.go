package admin

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// signupCookie carries the public pages' CSRF token: they have no session,
// so the token sits in a cookie and in the form, and both must match.
const signupCookie = "msn_signup"

// signupToken is the visitor's CSRF token, set as a cookie on first visit.
func (s *Server) signupToken(c *fiber.Ctx) string {
	token := c.Cookies(signupCookie)
	if len(token) != tokenLen {
		token = randomToken()
		s.setCookie(c, signupCookie, token, "/signup", time.Time{})
	}
	return token
}

// signupOpen reads the switches; a closed page answers 404 with a short note.
func (s *Server) signupOpen(c *fiber.Ctx) (SignupSettings, bool, error) {
	set, err := s.signup.SignupSettings(c.UserContext())
	if err != nil {
		return set, false, fmt.Errorf("reading the sign-up settings: %w", err)
	}
	if !set.Open {
		return set, false, s.render(c, fiber.StatusNotFound, views.SignupClosed(views.Page{Title: "Sign-up is closed"}))
	}
	return set, true, nil
}

// checkSignupPost runs the checks every public POST shares: the CSRF token,
// then the per-address limit, which every attempt (good or bad) counts
// against. It returns a non-nil error or rendered refusal when the request
// must stop.
func (s *Server) checkSignupPost(c *fiber.Ctx) (stop bool, err error) {
	if !tokenEqual(csrfToken(c), c.Cookies(signupCookie)) {
		s.log.Warn("admin: sign-up request refused", "err", errBadCSRF, "path", c.Path(), "ip", c.IP())
		return true, fiber.NewError(fiber.StatusForbidden, "The form has expired. Go back, reload the page and try again.")
	}
	// Every attempt counts, good or bad: a success makes an account, which
	// is what the limit is about.
	ip := c.IP()
	if _, allowed := s.signupLimiter.Reserve("ip:" + ip); !allowed {
		s.log.Warn("admin: sign-up refused: too many attempts", "ip", ip, "path", c.Path())
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(s.cfg.SignupWindow.Seconds())))
		return true, fiber.NewError(fiber.StatusTooManyRequests, "Too many attempts from your address. Wait a while, then try again.")
	}
	return false, nil
}

// handleSignupShow shows the sign-up form.
func (s *Server) handleSignupShow(c *fiber.Ctx) error {
	set, open, err := s.signupOpen(c)
	if !open {
		return err
	}
	page := views.Page{Title: "Sign up", CSRF: s.signupToken(c)}
	return s.render(c, fiber.StatusOK, views.Signup(page, views.SignupData{InviteOnly: set.InviteOnly, Invite: c.Query("invite")}))
}

// handleSignupCreate makes the account, or shows the form again with the reason.
func (s *Server) handleSignupCreate(c *fiber.Ctx) error {
	if stop, err := s.checkSignupPost(c); stop {
		return err
	}
	set, open, err := s.signupOpen(c)
	if !open {
		return err
	}
	f := form.NewSignup(formGetter(c))
	page := views.Page{Title: "Sign up", CSRF: c.Cookies(signupCookie)}
	again := func(status int, msg string) error {
		d := views.SignupData{Email: f.Email, Name: f.Name, Invite: f.Invite, InviteOnly: set.InviteOnly, Error: msg}
		return s.render(c, status, views.Signup(page, d))
	}
	if err := f.Validate(set.InviteOnly); err != nil {
		return again(fiber.StatusUnprocessableEntity, err.Error())
	}
	err = s.signup.SignUp(c.UserContext(), f.Email, f.Password, f.Name, f.Invite)
	switch {
	case errors.Is(err, ErrBadInvite):
		return again(fiber.StatusUnprocessableEntity, "That invite code is unknown or used already.")
	case errors.Is(err, ErrExists):
		return again(fiber.StatusConflict, "An account "+f.Email+" already exists. Choose another sign-in name.")
	case errors.Is(err, ErrInvalid):
		return again(fiber.StatusUnprocessableEntity, backendMessage(err, "The server refused these values."))
	case err != nil:
		return fmt.Errorf("sign-up of %s: %w", f.Email, err)
	}
	s.log.Info("admin: account signed up", "email", f.Email, "ip", c.IP(), "invite", f.Invite != "")
	return s.render(c, fiber.StatusCreated, views.Signup(page, views.SignupData{Done: f.Email}))
}

// handleOwnPasswordShow shows the change-your-password form.
func (s *Server) handleOwnPasswordShow(c *fiber.Ctx) error {
	if _, open, err := s.signupOpen(c); !open {
		return err
	}
	page := views.Page{Title: "Change your password", CSRF: s.signupToken(c)}
	return s.render(c, fiber.StatusOK, views.OwnPassword(page, views.OwnPasswordData{}))
}

// handleOwnPasswordSave changes a user's password when the current one is
// right; a wrong one is delayed like a failed console sign-in.
func (s *Server) handleOwnPasswordSave(c *fiber.Ctx) error {
	if stop, err := s.checkSignupPost(c); stop {
		return err
	}
	if _, open, err := s.signupOpen(c); !open {
		return err
	}
	f := form.NewOwnPassword(formGetter(c))
	page := views.Page{Title: "Change your password", CSRF: c.Cookies(signupCookie)}
	again := func(status int, msg string) error {
		return s.render(c, status, views.OwnPassword(page, views.OwnPasswordData{Email: f.Email, Error: msg}))
	}
	if err := f.Validate(); err != nil {
		return again(fiber.StatusUnprocessableEntity, err.Error())
	}
	ok, err := s.signup.ChangeOwnPassword(c.UserContext(), f.Email, f.Current, f.Password)
	if errors.Is(err, ErrInvalid) {
		return again(fiber.StatusUnprocessableEntity, backendMessage(err, "The server refused this password."))
	}
	if err != nil {
		return fmt.Errorf("password change of %s: %w", f.Email, err)
	}
	if !ok {
		s.log.Warn("admin: password change refused: wrong sign-in name or password", "email", f.Email, "ip", c.IP())
		time.Sleep(s.cfg.FailedLoginDelay)
		return again(fiber.StatusUnauthorized, "Wrong sign-in name or current password.")
	}
	s.log.Info("admin: user changed their password", "email", f.Email, "ip", c.IP())
	return s.render(c, fiber.StatusOK, views.OwnPassword(page, views.OwnPasswordData{Email: f.Email, Done: true}))
}

package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

const (
	localSession = "admin.session" // c.Locals key of the request's session
	csrfField    = "csrf"          // the hidden form field
	csrfHeader   = "X-CSRF-Token"  // the same token for scripted clients
)

// contentSecurityPolicy allows nothing but the layout's one inline style sheet.
var contentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(views.CSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

// securityHeaders keeps pages out of frames, caches and other origins.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Frame-Options", "DENY")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cache-Control", "no-store")
	return c.Next()
}

// isSafe reports whether a method only reads.
func isSafe(method string) bool {
	return method == fiber.MethodGet || method == fiber.MethodHead
}

// requireSession lets a request on only with a live session. Without one a
// page read is sent to the login page and anything else is refused.
func (s *Server) requireSession(c *fiber.Ctx) error {
	sess, err := s.lookupSession(c.Cookies(sessionCookie))
	if err != nil {
		if isSafe(c.Method()) {
			return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		return fiber.NewError(fiber.StatusForbidden, "You are not signed in, or your session has ended. Sign in again.")
	}
	c.Locals(localSession, sess)
	return c.Next()
}

var errBadCSRF = errors.New("missing or wrong CSRF token")

// requireCSRF refuses a state-changing request unless it carries its
// session's CSRF token, in the form or in the X-CSRF-Token header.
func (s *Server) requireCSRF(c *fiber.Ctx) error {
	if isSafe(c.Method()) {
		return c.Next()
	}
	sess, ok := currentSession(c)
	if !ok || !tokenEqual(csrfToken(c), sess.csrf) {
		s.log.Warn("admin: request refused", "err", errBadCSRF, "method", c.Method(), "path", c.Path(), "ip", c.IP())
		return fiber.NewError(fiber.StatusForbidden, "The form was not accepted: its security token is missing or out of date. Go back, reload the page and try again.")
	}
	return c.Next()
}

// csrfToken is the token a request carries: the header first, then the form field.
func csrfToken(c *fiber.Ctx) string {
	if t := c.Get(csrfHeader); t != "" {
		return t
	}
	return c.FormValue(csrfField)
}

// tokenEqual compares two tokens in constant time; empty never matches.
func tokenEqual(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// currentSession is the session requireSession found.
func currentSession(c *fiber.Ctx) (session, bool) {
	sess, ok := c.Locals(localSession).(session)
	return sess, ok
}

package admin

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// render writes a whole page with status. The page is rendered into a buffer
// first, so a failing component becomes a clean error page.
func (s *Server) render(c *fiber.Ctx, status int, page templ.Component) error {
	var buf bytes.Buffer
	if err := page.Render(c.UserContext(), &buf); err != nil {
		return fmt.Errorf("rendering %s: %w", c.Path(), err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// page is the layout data of a signed-in page. It takes the pending flash.
func (s *Server) page(c *fiber.Ctx, title, nav string) views.Page {
	sess, ok := currentSession(c)
	if !ok {
		return views.Page{Title: title}
	}
	f := s.sessions.popFlash(sess.id)
	return views.Page{Title: title, Nav: nav, User: sess.user, CSRF: sess.csrf, Flash: views.Flash{Error: f.Error, Text: f.Text}}
}

// done redirects after a change and leaves notice for the next page.
func (s *Server) done(c *fiber.Ctx, to, notice string) error {
	return s.redirectFlash(c, to, flash{Text: notice})
}

// failed redirects to a page that will show msg as an error.
func (s *Server) failed(c *fiber.Ctx, to, msg string) error {
	return s.redirectFlash(c, to, flash{Error: true, Text: msg})
}

func (s *Server) redirectFlash(c *fiber.Ctx, to string, f flash) error {
	if sess, ok := currentSession(c); ok {
		s.sessions.setFlash(sess.id, f)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// formGetter adapts the request's form fields to form.Getter.
func formGetter(c *fiber.Ctx) func(string) string {
	return func(name string) string { return c.FormValue(name) }
}

// queryGetter adapts the request's query string to form.Getter.
func queryGetter(c *fiber.Ctx) func(string) string {
	return func(name string) string { return c.Query(name) }
}

// backendMessage is the admin-facing text of an ErrInvalid, ErrExists or
// ErrNotFound from the backend: the message wrapped around the sentinel
// (before or after it), or fallback when the backend returned it bare.
func backendMessage(err error, fallback string) string {
	for _, sentinel := range []error{ErrInvalid, ErrExists, ErrNotFound} {
		if !errors.Is(err, sentinel) {
			continue
		}
		msg, s := err.Error(), sentinel.Error()
		msg = strings.TrimSuffix(strings.TrimPrefix(msg, s+": "), ": "+s)
		if msg == "" || msg == s {
			return fallback
		}
		if r, size := utf8.DecodeRuneInString(msg); unicode.IsLower(r) {
			msg = string(unicode.ToUpper(r)) + msg[size:]
		}
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		return msg
	}
	return fallback
}

// emailParam is the account named in the path.
func emailParam(c *fiber.Ctx) (string, error) {
	email, err := url.PathUnescape(c.Params("email"))
	if err != nil || email == "" {
		return "", fiber.NewError(fiber.StatusNotFound, "There is no such account.")
	}
	return email, nil
}

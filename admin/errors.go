package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/views"
)

// handleError turns every error a handler returns into the one error page.
// fiber.Errors carry a status and a message for the admin; ErrNotFound is a
// 404; anything else is logged and shown as a generic 500.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, msg := http.StatusInternalServerError, "The server could not complete this request. The details are in its log."
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		status, msg = fe.Code, fe.Message
		if status == http.StatusNotFound && strings.HasPrefix(msg, "Cannot ") {
			msg = "There is no page at this address."
		}
	case errors.Is(err, ErrNotFound):
		status, msg = http.StatusNotFound, "There is no such account."
	default:
		s.log.Error("admin: request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	title := http.StatusText(status)
	switch status {
	case http.StatusForbidden:
		title = "Not allowed"
	case http.StatusNotFound:
		title = "Not found"
	case http.StatusTooManyRequests:
		title = "Too many attempts"
	case http.StatusInternalServerError:
		title = "Something went wrong"
	}
	page := s.page(c, title, "")
	if rerr := s.render(c, status, views.ErrorPage(page, views.ErrorData{Status: status, Title: title, Message: msg})); rerr != nil {
		s.log.Error("admin: rendering the error page", "err", rerr)
		return c.Status(status).SendString(msg)
	}
	return nil
}

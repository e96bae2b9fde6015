package admin

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// handleAccountPicture serves an account's roamed display picture for the
// account page, with its stored (sniffed) image type.
func (s *Server) handleAccountPicture(c *fiber.Ctx) error {
	email, err := emailParam(c)
	if err != nil {
		return err
	}
	mime, data, err := s.b.Picture(c.UserContext(), email)
	if errors.Is(err, ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "This account has no display picture.")
	}
	if err != nil {
		return fmt.Errorf("loading the picture of %s: %w", email, err)
	}
	c.Set("Content-Type", mime)
	c.Set("Content-Length", strconv.Itoa(len(data)))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Cache-Control", "private, no-store")
	return c.Send(data)
}

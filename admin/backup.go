package admin

import (
	"bytes"
	"io"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Backuper is implemented by backends that can write a consistent copy of
// the whole store while the server runs.
type Backuper interface {
	Backup(w io.Writer) (int64, error)
}

// handleBackup downloads a consistent online copy of the store. Restore it
// with `msnserver restore FILE` while the server is stopped.
func (s *Server) handleBackup(c *fiber.Ctx) error {
	b, ok := s.b.(Backuper)
	if !ok {
		return fiber.NewError(fiber.StatusNotFound, "This server cannot make backups.")
	}
	name := "msnserver-" + time.Now().UTC().Format("20060102-150405") + ".db"
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	if c.Method() == fiber.MethodHead {
		return nil // the headers only: a HEAD must not copy the whole store
	}
	var buf bytes.Buffer
	if _, err := b.Backup(&buf); err != nil {
		s.log.Error("admin: backup", "err", err)
		return fiber.NewError(fiber.StatusInternalServerError, "The backup failed; see the server log.")
	}
	admin := ""
	if sess, ok := currentSession(c); ok {
		admin = sess.user
	}
	s.log.Info("admin: backup downloaded", "admin", admin, "ip", c.IP(), "bytes", buf.Len())
	return c.Send(buf.Bytes())
}

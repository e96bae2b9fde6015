package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

// handleBroadcastSend announces a shutdown or a text to every online client
// and records it in the history.
func (s *Server) handleBroadcastSend(c *fiber.Ctx) error {
	f := form.NewBroadcast(formGetter(c))
	b, err := f.Validate()
	if err != nil {
		d := s.broadcastsData()
		d.Kind, d.Minutes, d.Text, d.Error = f.Kind, f.Minutes, f.Text, err.Error()
		return s.render(c, fiber.StatusUnprocessableEntity, views.Broadcasts(s.page(c, "Broadcasts", "broadcasts"), d))
	}
	delivered := s.b.Broadcast(b)
	sess, _ := currentSession(c)
	s.history.add(SentBroadcast{Broadcast: b, At: s.now(), By: sess.user, Delivered: delivered})
	s.log.Info("admin: broadcast sent", "admin", sess.user, "kind", b.Kind, "minutes", b.Minutes, "delivered", delivered)
	return s.done(c, "/broadcasts", "Broadcast sent to "+strconv.Itoa(delivered)+" online clients.")
}

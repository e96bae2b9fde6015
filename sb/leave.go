package sb

import "msnserver/ns/wire"

// handleOUT: the client leaves; the others get BYE handle and the server
// closes the connection (switchboard.md §9).
func (c *conn) handleOUT(*wire.Command) error {
	c.leave()
	return errHangUp
}

// leave takes c out of its session, once. The others get BYE handle, or
// BYE handle 1 when the server removed c (idle, protocol error, slow
// reader, shutdown).
func (c *conn) leave() {
	if c.sess == nil {
		return
	}
	bye := wire.Line("BYE", c.email)
	if c.removed.Load() {
		bye = wire.Line("BYE", c.email, "1")
	}
	c.sess.leave(c, bye)
	c.user.AddSwitchboards(-1)
	c.sess = nil
}

package sb

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/listen"
	"msnserver/ns/wire"
)

// state is where a connection is in its life; commands name the states
// they are allowed in.
type state uint8

const (
	stateNew    state = 1 << iota // connected, waiting for USR or ANS
	stateJoined                   // a member of a session
)

// command is one row of the command table.
type command struct {
	handle  func(c *conn, cmd *wire.Command) error
	states  state
	trid    bool // a TrID follows the verb
	payload bool // the last argument is a payload length
}

// commands is every verb the switchboard accepts. Only USR or ANS may open
// a connection (switchboard.md §3); anything else, or an unknown verb, gets
// 200 and a close.
var commands = map[string]command{
	"USR": {handle: (*conn).handleUSR, states: stateNew, trid: true},
	"ANS": {handle: (*conn).handleANS, states: stateNew, trid: true},
	"CAL": {handle: (*conn).handleCAL, states: stateJoined, trid: true},
	"MSG": {handle: (*conn).handleMSG, states: stateJoined, trid: true, payload: true},
	"OUT": {handle: (*conn).handleOUT, states: stateNew | stateJoined},
}

// errHangUp ends the connection after a handler has said everything.
var errHangUp = errors.New("connection finished")

// conn is one switchboard connection. Everything but q, removed and the
// fields fixed at authentication (email, user) belongs to its reader goroutine.
type conn struct {
	srv   *Server
	nc    net.Conn
	r     *wire.Reader
	q     *wire.Queue
	log   *slog.Logger
	debug bool // log raw lines (checked first: formatting them allocates)

	// Set once at USR/ANS, before the connection is visible to others.
	email string
	user  *hub.Session

	removed atomic.Bool // the server removes it: the others get BYE handle 1

	state    state
	sess     *session
	cmd      wire.Command // the command being run
	payload  []byte       // storage of the command's payload, reused
	trid     []byte       // the scanned MSG's TrID, reused
	now      time.Time    // when the current command arrived
	deadline time.Time    // read deadline currently set

	// Scratch for the relayed MSG line, rebuilt when the sender's name changes.
	name   string // friendly name the header was built from
	header []byte // "MSG email encoded-name "
	out    []byte
}

func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	s.run(s.newConn(nc))
}

func (s *Server) newConn(nc net.Conn) *conn {
	now := time.Now()
	return &conn{
		srv: s, nc: nc, r: wire.NewReaderSize(nc, readBuffer),
		q:     wire.NewQueue(nc, s.opts.QueueLimit),
		log:   s.log.With("cid", s.nextCID.Add(1), "remote", nc.RemoteAddr().String()),
		debug: s.log.Enabled(context.Background(), slog.LevelDebug),
		now:   now, state: stateNew, deadline: now.Add(s.opts.AuthTimeout),
	}
}

// run serves c until it ends, then takes it out of its session.
func (s *Server) run(c *conn) {
	if !s.track(c) {
		c.nc.Close()
		return
	}
	defer s.untrack(c)
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			c.log.Error("switchboard connection panicked", "panic", r, "stack", string(debug.Stack()))
			c.removed.Store(true)
			c.q.Close()
		}
		c.leave()
		c.q.CloseAfter(nil)
	}()
	c.nc.SetReadDeadline(c.deadline)
	c.loop()
}

// loop reads and runs commands until the connection ends.
func (c *conn) loop() {
	for {
		line, err := c.readLine()
		if err != nil {
			c.readFailed(err)
			return
		}
		if c.debug {
			c.log.Debug("C", "line", redact(line))
		}
		trid, err := c.dispatch(line)
		if err != nil && !c.fail(err, trid) {
			return
		}
	}
}

// redact hides the cookie of USR and ANS in a logged line, as the NS hides
// tickets: until it expires, a cookie copied from a debug log would let its
// reader into the conversation in the user's name.
func redact(line []byte) string {
	s := string(line)
	if strings.HasPrefix(s, "USR ") || strings.HasPrefix(s, "ANS ") {
		if f := strings.Fields(s); len(f) >= 4 {
			f[3] = "[cookie hidden]"
			return strings.Join(f, " ")
		}
	}
	return s
}

// readLine reads the next command line. In a session the read deadline is
// the idle limit after the last activity, the connection's own or anyone's
// in the session: a member who only listens is not idle.
func (c *conn) readLine() ([]byte, error) {
	for {
		limit := c.srv.opts.IdleTimeout
		if c.state == stateNew {
			limit = c.srv.opts.AuthTimeout
		} else if want := c.now.Add(limit); want.Sub(c.deadline) > limit/8 {
			// Move the deadline only now and then; each move costs a timer update.
			c.deadline = want
			c.nc.SetReadDeadline(want)
		}
		before, buffered := c.r.BytesRead(), c.r.Buffered()
		line, err := c.r.ReadLine()
		if err == nil {
			if buffered == 0 || c.r.BytesRead() != before {
				// Only a line that needed a read is new; one already
				// buffered arrived with the last read (and a clock read per
				// relayed line is measurable).
				c.now = time.Now()
			}
			return line, nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) || c.state != stateJoined || buffered != 0 || c.r.BytesRead() != before {
			return nil, err
		}
		now := time.Now()
		last := c.now
		if a := c.sess.active.Load(); a > last.UnixNano() {
			last = time.Unix(0, a)
		}
		if !now.Before(last.Add(limit)) {
			return nil, err
		}
		c.deadline = last.Add(limit)
		c.nc.SetReadDeadline(c.deadline)
	}
}

// readFailed logs why reading stopped and decides how the others are told.
func (c *conn) readFailed(err error) {
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
		if c.q.Overflowed() {
			c.removed.Store(true)
			c.log.Info("switchboard client too slow, dropped")
		}
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.removed.Store(true)
		if c.state == stateNew {
			c.log.Info("switchboard client did not authenticate in time")
		} else {
			c.log.Info("switchboard member idle, removed")
		}
	case errors.Is(err, wire.ErrLineTooLong):
		c.removed.Store(true)
		c.log.Info("switchboard line too long")
	default:
		c.log.Debug("switchboard read", "err", err)
	}
}

// dispatch runs one command line; it returns the command's TrID for the
// error reply.
// readBuffer is a switchboard connection's read buffer: a relaying member
// reads many messages per system call with it.
const readBuffer = 8 * 1024

func (c *conn) dispatch(line []byte) (string, error) {
	// The relay's path: a well-formed MSG from a member, scanned in place.
	if c.state == stateJoined {
		if m, ok := wire.ScanMSG(line, c.srv.opts.MaxPayload); ok {
			return c.dispatchMSG(m)
		}
	}
	verb := line
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		verb = line[:i]
	}
	def, ok := commands[string(verb)]
	if !ok {
		cmd, err := wire.Parse(line, true)
		if err != nil {
			return "", wire.Fatal(wire.ErrSyntax, "garbage line")
		}
		return cmd.TrID, wire.Fatal(wire.ErrSyntax, "unknown command "+cmd.Verb)
	}
	// The command lives in the connection so that it does not escape per line.
	cmd := &c.cmd
	if err := wire.ParseInto(cmd, line, def.trid); err != nil {
		// No syntax error is worth continuing after on the switchboard: a
		// MSG with a bad TrID would have its payload read as commands.
		return cmd.TrID, wire.Fatal(wire.ErrSyntax, err.Error())
	}
	if c.state&def.states == 0 {
		return cmd.TrID, wire.Fatal(wire.ErrSyntax, cmd.Verb+" not allowed in this state")
	}
	if def.payload {
		n, err := cmd.PayloadLength(c.srv.opts.MaxPayload)
		if err != nil {
			return cmd.TrID, err
		}
		// Handlers are done with the payload when they return (the relay
		// copies it into each recipient's queue), so one buffer serves.
		if c.payload, err = c.r.ReadPayloadInto(c.payload, n); err != nil {
			c.readFailed(err)
			return cmd.TrID, errHangUp
		}
		cmd.Payload = c.payload
	}
	return cmd.TrID, def.handle(c, cmd)
}

// dispatchMSG reads the payload of a scanned MSG line and relays it. Only
// an error needs the TrID as a string.
func (c *conn) dispatchMSG(m wire.MSGLine) (string, error) {
	var err error
	// The TrID aliases the read buffer, which the payload read may refill.
	c.trid = append(c.trid[:0], m.TrID...)
	if c.payload, err = c.r.ReadPayloadInto(c.payload, m.Length); err != nil {
		c.readFailed(err)
		return string(c.trid), errHangUp
	}
	if err := c.msg(c.trid, m.Ack, c.payload); err != nil {
		return string(c.trid), err
	}
	return "", nil
}

// fail answers a handler's error. It reports whether the connection goes on.
func (c *conn) fail(err error, trid string) bool {
	var pe *wire.Error
	switch {
	case errors.Is(err, errHangUp):
		c.q.CloseAfter(nil)
		return false
	case errors.As(err, &pe):
		line := wire.ErrorLine(pe.Code, trid)
		if pe.Close {
			c.srv.hub.Stats.ProtocolErrs.Add(1)
			c.log.Info("switchboard closing connection", "code", pe.Code, "why", pe.Why)
			c.removed.Store(true)
			c.q.CloseAfter(line)
			return false
		}
		c.log.Debug("switchboard error reply", "code", pe.Code, "why", pe.Why)
		c.q.Send(line)
		return true
	case errors.Is(err, wire.ErrClose):
		c.srv.hub.Stats.ProtocolErrs.Add(1)
		c.log.Info("switchboard closing connection", "err", err)
		c.removed.Store(true)
		c.q.CloseAfter(nil)
		return false
	default:
		c.log.Error("switchboard command failed", "err", err)
		c.q.Send(wire.ErrorLine(wire.ErrInternal, trid))
		return true
	}
}

// enter makes c a member of sess.
func (c *conn) enter(sess *session) {
	c.sess, c.state = sess, stateJoined
	listen.Authenticated(c.nc) // no longer shed to make room for strangers
	c.deadline = time.Time{}   // arm the idle deadline on the next read
	c.log = c.log.With("account", c.email, "session", sess.id)
}

// remove closes the connection from outside its goroutine (shutdown,
// Disconnect); the others get BYE handle 1 once its reader notices.
func (c *conn) remove() {
	c.removed.Store(true)
	c.q.CloseAfter(nil)
}

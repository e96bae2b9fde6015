package ns

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/listen"
	"msnserver/ns/wire"
	"msnserver/store"
)

// state is where a connection is in the login sequence.
type state uint8

const (
	stateConnected   state = 1 << iota // before VER
	stateVersioned                     // VER agreed, before USR I
	stateAuthPending                   // USR TWN/SSO I answered, waiting for the ticket (and proof)
	stateLoggedIn                      // USR OK sent
)

const (
	anyState = stateConnected | stateVersioned | stateAuthPending | stateLoggedIn
	preLogin = stateVersioned | stateAuthPending
	afterVER = preLogin | stateLoggedIn
	loggedIn = stateLoggedIn
)

// command describes one verb: its handler, the states it is allowed in,
// whether it has a TrID and whether a payload follows the line.
type command struct {
	handle  func(c *conn, cmd *wire.Command) error
	states  state
	payload bool
	noTrID  bool
	// optPayload: a payload follows only when the last argument is a
	// positive number (SDC); it is read like any other, with cap and deadline.
	optPayload bool
	// wrongState is the error for the command outside its states (0: 715).
	wrongState int
}

// commands is the dispatch table. The dispatcher checks state once; handlers
// never check it again.
var commands map[string]command

func init() {
	commands = map[string]command{
		"VER": {handle: (*conn).handleVER, states: stateConnected},
		"CVR": {handle: (*conn).handleCVR, states: afterVER},
		"USR": {handle: (*conn).handleUSR, states: preLogin, wrongState: wire.ErrAlreadyLoggedIn},
		"PNG": {handle: (*conn).handlePNG, states: anyState, noTrID: true},
		"OUT": {handle: (*conn).handleOUT, states: anyState, noTrID: true},
		"GCF": {handle: (*conn).handleGCF, states: afterVER},
		"BLP": {handle: (*conn).handleBLP, states: loggedIn},
		"ADL": {handle: (*conn).handleADL, states: loggedIn, payload: true},
		"RML": {handle: (*conn).handleRML, states: loggedIn, payload: true},
		"FQY": {handle: (*conn).handleFQY, states: loggedIn, payload: true},
		"PRP": {handle: (*conn).handlePRP, states: loggedIn},
		"CHG": {handle: (*conn).handleCHG, states: loggedIn},
		"UUX": {handle: (*conn).handleUUX, states: loggedIn, payload: true},
		"UUM": {handle: (*conn).handleUUM, states: loggedIn, payload: true},
		"UUN": {handle: (*conn).handleUUN, states: loggedIn, payload: true},
		"XFR": {handle: (*conn).handleXFR, states: loggedIn},
		"QRY": {handle: (*conn).handleQRY, states: loggedIn, payload: true},
		"URL": {handle: (*conn).handleURL, states: loggedIn},
		"SND": {handle: (*conn).handleSND, states: loggedIn},
		"SDC": {handle: (*conn).handleSDC, states: loggedIn, optPayload: true},
		"PGD": {handle: (*conn).handlePGD, states: loggedIn, payload: true},
	}
}

// conn is one NS connection.
type conn struct {
	srv *Server
	nc  net.Conn
	ip  string
	id  uint64
	log *slog.Logger
	r   *wire.Reader
	out *wire.Queue

	// Owned by the connection's goroutine.
	state     state
	dialect   string
	client    string // client name and version from CVR
	handle    string // e-mail given in USR TWN I
	acct      *store.Account
	sess      *hub.Session
	challenge string    // outstanding CHL
	nonce     string    // MSNP15: the USR SSO nonce awaiting its proof
	lastLine  time.Time // when the last command line arrived
	loginAt   time.Time

	kickOnce sync.Once
}

func newConn(s *Server, nc net.Conn, id uint64) *conn {
	return &conn{
		srv: s, nc: nc, id: id, ip: listen.RemoteIP(nc), state: stateConnected,
		log: s.log.With("cid", id, "remote", nc.RemoteAddr().String()),
		r:   wire.NewReader(nc),
		out: newQueue(nc, s.opts.QueueLimit),
	}
}

func newQueue(nc net.Conn, limit int) *wire.Queue {
	q := wire.NewQueue(nc, limit)
	q.ReleaseIdle = true
	return q
}

func (c *conn) send(b []byte) { c.out.Send(b) }

func (c *conn) sendLine(args ...string) { c.out.Send(wire.Line(args...)) }

// Goodbye tells the client the server is shutting down (listen.Served).
func (c *conn) Goodbye() { c.kick("SSD") }

// Socket is the connection's socket (listen.Served).
func (c *conn) Socket() net.Conn { return c.nc }

// kick ends the connection from another goroutine (shutdown, admin).
func (c *conn) kick(reason string) {
	c.kickOnce.Do(func() {
		c.out.CloseAfter(wire.Line("OUT", reason))
	})
}

// Serve runs the connection until it ends (listen.Served).
// A panic is recovered and logged by listen.Conns, after c.close has run.
func (c *conn) Serve() { c.serve(false) }

// ServeParking is Serve that gives the goroutine up while a signed-in
// client is quiet (listen.Parking): after Options.ParkAfter without a line, with
// nothing buffered, it returns true with the read deadline set to the idle
// limit, and listen.Conns waits for data on a small stack and calls it
// again. An idle user then costs no goroutine stack of the size commands
// grew it to.
func (c *conn) ServeParking() (parked bool) { return c.serve(true) }

func (c *conn) serve(park bool) (parked bool) {
	defer func() {
		if !parked {
			c.close()
		}
	}()
	if c.lastLine.IsZero() {
		c.lastLine = time.Now()
		c.log.Debug("connected")
	}
	for {
		timeout := c.srv.opts.IdleTimeout
		if c.state != stateLoggedIn {
			timeout = c.srv.opts.LoginTimeout
		}
		// The limits count from the last line: a parked connection resumes
		// with the time it already waited counted.
		limit := c.lastLine.Add(timeout)
		c.nc.SetReadDeadline(limit)
		if park && c.state == stateLoggedIn && c.r.Buffered() == 0 && listen.Quiet(c.nc, c.srv.opts.ParkAfter, limit) {
			return true
		}
		line, err := c.r.ReadLine()
		if err != nil {
			c.logReadError(err)
			return false
		}
		c.lastLine = time.Now()
		if !c.dispatch(line) {
			return false
		}
	}
}

// panicHook lets tests fail on a recovered panic.
var panicHook func(any)

func (c *conn) logReadError(err error) {
	switch {
	case errors.Is(err, wire.ErrLineTooLong):
		c.log.Info("line too long; closing")
		c.out.CloseAfter(wire.ErrorLine(wire.ErrSyntax, ""))
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.log.Info("idle timeout; closing")
	default:
		c.log.Debug("read", "err", err)
	}
}

// dispatch runs one command line; false ends the connection.
func (c *conn) dispatch(line []byte) bool {
	if len(line) < 3 {
		if c.state == stateConnected {
			return false
		}
		c.sendLine(strconv.Itoa(wire.ErrSyntax))
		return true
	}
	verb := string(line[:3])
	def, known := commands[verb]
	if !known || def.states&c.state == 0 {
		if c.state == stateConnected || !known {
			// Garbage first line, a command before VER, or a verb MSNP14
			// does not have (SYN, ADC, a client MSG…): close without reply.
			c.log.Debug("closing on unexpected command", "verb", printable(verb), "state", c.state)
			return false
		}
	}
	cmd, err := wire.Parse(line, !def.noTrID)
	if err != nil {
		return c.fail(&cmd, err)
	}
	if def.payload || def.optPayload && endsInLength(&cmd) {
		n, err := cmd.PayloadLength(wire.MaxNSPayload)
		if err != nil {
			return c.fail(&cmd, err)
		}
		c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		if cmd.Payload, err = c.r.ReadPayload(n); err != nil {
			c.log.Debug("payload read", "err", err)
			return false
		}
		cmd.Args = cmd.Args[:len(cmd.Args)-1]
	}
	if def.states&c.state == 0 {
		// A known command outside its state (before login, or VER twice);
		// its payload is already consumed, so the stream stays in step.
		if verb == "VER" {
			return false
		}
		code := def.wrongState
		if code == 0 {
			code = wire.ErrUnknownProperty
		}
		return c.fail(&cmd, wire.Err(code, "not expected in this state"))
	}
	if c.log.Enabled(nil, slog.LevelDebug) {
		c.log.Debug("command", "line", redact(verb, line))
	}
	if err := def.handle(c, &cmd); err != nil {
		return c.fail(&cmd, err)
	}
	return !c.out.Closed()
}

// endsInLength reports whether an optional payload follows: the last
// argument is a positive number.
func endsInLength(cmd *wire.Command) bool {
	if len(cmd.Args) == 0 {
		return false
	}
	n, err := strconv.Atoi(cmd.Args[len(cmd.Args)-1])
	return err == nil && n > 0
}

// fail answers a handler error; false ends the connection.
func (c *conn) fail(cmd *wire.Command, err error) bool {
	var pe *wire.Error
	switch {
	case errors.As(err, &pe):
		c.srv.hub.Stats.ProtocolErrs.Add(1)
		c.log.Debug("protocol error", "verb", cmd.Verb, "code", pe.Code, "why", pe.Why)
		if pe.Close {
			c.out.CloseAfter(wire.ErrorLine(pe.Code, cmd.TrID))
			return false
		}
		c.send(wire.ErrorLine(pe.Code, cmd.TrID))
		return true
	case errors.Is(err, wire.ErrClose):
		c.log.Debug("closing", "verb", printable(cmd.Verb), "why", err)
		return false
	default:
		c.log.Error("command failed", "verb", cmd.Verb, "err", err)
		c.send(wire.ErrorLine(wire.ErrInternal, cmd.TrID))
		return true
	}
}

// close ends the session: the hub tells watchers, the socket closes once
// anything queued (OUT, an error) is written.
func (c *conn) close() {
	if c.sess != nil {
		c.srv.hub.Logout(c.sess)
	}
	c.out.CloseAfter(nil)
	// A client that never reads must not keep the socket: bound the flush.
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.log.Debug("closed")
}

// redact hides tickets in debug logs.
func redact(verb string, line []byte) string {
	if verb == "USR" && len(line) > 40 {
		return string(line[:20]) + " [ticket hidden]"
	}
	return string(line)
}

func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

package ymsg

import (
	"bufio"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/listen"
	"msnserver/ns/wire"
	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// state is where a connection is in the sign-in.
type state uint8

const (
	stateConnected  state = 1 << iota // before AUTH
	stateChallenged                   // AUTH answered with a challenge
	stateSignedIn                     // AUTHRESP accepted
)

const anyState = stateConnected | stateChallenged | stateSignedIn

// handler serves one service; a non-nil error closes the connection.
type handler struct {
	handle func(c *conn, p *packet.Packet) error
	states state
}

var handlers map[uint16]handler

func init() {
	handlers = map[uint16]handler{
		packet.SvcVerify:       {(*conn).handleVerify, stateConnected},
		packet.SvcAuth:         {(*conn).handleAuth, stateConnected},
		packet.SvcAuthResp:     {(*conn).handleAuthResp, stateChallenged},
		packet.SvcLogoff:       {(*conn).handleLogoff, anyState},
		packet.SvcPing:         {nop, anyState},
		packet.SvcKeepAlive:    {nop, stateSignedIn},
		packet.SvcSkinName:     {nop, stateSignedIn},
		packet.SvcHostStats:    {nop, anyState},
		packet.SvcP2PFile:      {nop, stateSignedIn}, // never relayed: they carry IP addresses
		packet.SvcPeerToPeer:   {nop, stateSignedIn},
		packet.SvcMessageAck:   {nop, stateSignedIn},
		packet.SvcStatusUpdate: {(*conn).handleStatus, stateSignedIn},
		packet.SvcIsAway:       {(*conn).handleStatus, stateSignedIn},
		packet.SvcIsBack:       {(*conn).handleStatus, stateSignedIn},
		packet.SvcVisible:      {(*conn).handleVisible, stateSignedIn},
		packet.SvcMessage:      {(*conn).handleMessage, stateSignedIn},
		packet.SvcNotify:       {(*conn).handleNotify, stateSignedIn},
		packet.SvcAddBuddy:     {(*conn).handleAddBuddy, stateSignedIn},
		packet.SvcRemBuddy:     {(*conn).handleRemBuddy, stateSignedIn},
		packet.SvcIgnore:       {(*conn).handleIgnore, stateSignedIn},
		packet.SvcAuthReq:      {(*conn).handleAuthReq, stateSignedIn},
		packet.SvcGroupRename:  {(*conn).handleGroupRename, stateSignedIn},
		packet.SvcChangeGroup:  {(*conn).handleChangeGroup, stateSignedIn},
		packet.SvcSMS:          {(*conn).handleSMS, stateSignedIn},
	}
}

func nop(*conn, *packet.Packet) error { return nil }

// panicHook lets tests fail on a recovered panic.
var panicHook func(any)

// errClose ends a connection without a reply.
var errClose = errors.New("close")

// conn is one pager connection.
type conn struct {
	srv *Server
	nc  net.Conn
	ip  string
	id  uint64
	log *slog.Logger
	r   *bufio.Reader // nil while parked
	out *wire.Queue

	// Owned by the connection's goroutine; session, yid, acct are set
	// before the hub session exists and read-only afterwards.
	state      state
	session    uint32
	challenge  string
	yid        string // the ID as the client gave it in AUTH
	acct       *store.Account
	sess       *hub.Session
	version    uint16
	status     string    // own MSNP status while visible ("NLN", "BSY", …)
	lastPacket time.Time // when the last packet arrived
	hidden     bool
	psm        string

	mu     sync.Mutex // tier 1: what the translating sender keeps (peers, typing timers)
	peers  map[string]*peer
	typing map[string]*time.Timer

	shutOnce sync.Once
}

func newConn(s *Server, nc net.Conn, id uint64) *conn {
	q := wire.NewQueue(nc, s.opts.QueueLimit)
	q.ReleaseIdle = true
	return &conn{
		srv: s, nc: nc, ip: listen.RemoteIP(nc), id: id, state: stateConnected, version: 16,
		log: s.log.With("cid", id, "remote", nc.RemoteAddr().String(), "front", "ymsg"),
		r:   bufio.NewReaderSize(nc, readBuffer), out: q,
		peers: map[string]*peer{}, typing: map[string]*time.Timer{},
	}
}

// packetOut encodes p with this connection's session id and version.
func (c *conn) packetOut(p *packet.Packet) []byte {
	p.Session, p.Version = c.session, c.version
	b, err := p.Marshal()
	if err != nil {
		c.log.Error("encode", "service", p.Service, "err", err)
		return nil
	}
	return b
}

func (c *conn) send(p *packet.Packet) bool {
	if b := c.packetOut(p); b != nil {
		return c.out.Send(b)
	}
	return false
}

// Serve runs the connection until it ends (listen.Served).
// A panic is recovered and logged by listen.Conns, after c.close has run.
func (c *conn) Serve() { c.serve(false) }

// ServeParking is Serve that gives the goroutine and the read buffer up
// while a signed-in user is quiet (listen.Parking): after
// Options.ParkAfter without a packet it returns true with the read
// deadline set to the idle limit, and listen.Conns calls it again when data
// arrives.
func (c *conn) ServeParking() (parked bool) { return c.serve(true) }

// readBuffer is the pager's read buffer, dropped while a connection parks.
const readBuffer = 2048

func (c *conn) serve(park bool) (parked bool) {
	defer func() {
		if !parked {
			c.close()
		}
	}()
	if c.lastPacket.IsZero() {
		c.lastPacket = time.Now()
		c.log.Debug("connected")
	}
	for {
		timeout := c.srv.opts.IdleTimeout
		if c.state != stateSignedIn {
			timeout = c.srv.opts.LoginTimeout
		}
		limit := c.lastPacket.Add(timeout) // a parked wait counts
		if c.r == nil {
			c.r = bufio.NewReaderSize(c.nc, readBuffer)
		}
		// Parking waits for the next packet without reading, so a packet
		// is never cut by its deadline.
		c.nc.SetReadDeadline(limit)
		if park && c.state == stateSignedIn && c.r.Buffered() == 0 && listen.Quiet(c.nc, c.srv.opts.ParkAfter, limit) {
			c.r = nil
			return true
		}
		p, err := packet.Read(c.r, packet.MaxClientPayload)
		if err != nil {
			c.readError(err)
			return false
		}
		c.lastPacket = time.Now()
		if c.log.Enabled(nil, slog.LevelDebug) {
			c.log.Debug("packet", "service", p.Service, "status", p.Status, "pairs", redact(p))
		}
		h, ok := handlers[p.Service]
		if !ok {
			c.log.Debug("unhandled service", "service", p.Service)
			continue
		}
		if h.states&c.state == 0 {
			// Out of order (a message before sign-in, AUTH twice): the
			// protocol's error, then close (ymsg.md §13).
			c.out.CloseAfter(c.packetOut(packet.New(packet.SvcError, packet.StatusFailure, c.session, 66, 1007)))
			return false
		}
		if err := h.handle(c, p); err != nil {
			if !errors.Is(err, errClose) {
				c.log.Info("closing", "service", p.Service, "err", err)
			}
			return false
		}
		if c.out.Closed() {
			return false
		}
	}
}

func (c *conn) readError(err error) {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, io.ErrUnexpectedEOF):
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.log.Info("idle timeout; closing")
	case errors.Is(err, packet.ErrMagic), errors.Is(err, packet.ErrVersion), errors.Is(err, packet.ErrTooLong), errors.Is(err, packet.ErrPairs):
		c.log.Info("malformed packet; closing", "err", err)
	default:
		c.log.Debug("read", "err", err)
	}
}

// close leaves the hub (watchers are told) and closes once pending data is out.
func (c *conn) close() {
	if c.sess != nil {
		c.srv.hub.Logout(c.sess)
	}
	c.mu.Lock()
	for k, t := range c.typing {
		t.Stop()
		delete(c.typing, k)
	}
	c.mu.Unlock()
	c.out.CloseAfter(nil)
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.log.Debug("closed")
}

// shutdown: a system message, then the close (ymsg.md §12).
// Socket is the connection's socket (listen.Served).
func (c *conn) Socket() net.Conn { return c.nc }

// Goodbye tells the client the server is shutting down (listen.Served).
func (c *conn) Goodbye() {
	c.shutOnce.Do(func() {
		var b []byte
		if c.acct != nil {
			b = c.packetOut(packet.New(packet.SvcSysMessage, packet.StatusServerAck, c.session,
				5, c.yid, 14, "The server is shutting down."))
		}
		c.out.CloseAfter(b)
	})
}

// redact hides the login proof and cookies from debug logs.
func redact(p *packet.Packet) []packet.Pair {
	out := make([]packet.Pair, len(p.Pairs))
	for i, kv := range p.Pairs {
		switch kv.Key {
		case 277, 278, 307, 59:
			kv.Value = "[hidden]"
		}
		out[i] = kv
	}
	return out
}

func (c *conn) handleVerify(p *packet.Packet) error {
	c.version = p.Version
	c.send(packet.New(packet.SvcVerify, packet.StatusServerAck, 0))
	return nil
}

// handleAuth answers AUTH 1=<id> with a fresh session id and challenge (§4.4).
func (c *conn) handleAuth(p *packet.Packet) error {
	id := strings.TrimSpace(p.Value(1))
	if id == "" || len(id) > 129 {
		c.out.CloseAfter(c.packetOut(packet.New(packet.SvcAuthResp, packet.StatusFailure, 0, 66, 3)))
		return errClose
	}
	c.version = p.Version
	if c.version < 16 {
		// The old challenge/response (YM8.1) needs password-equivalent
		// hashes this server does not keep (ymsg.md §1.2).
		c.out.CloseAfter(c.packetOut(packet.New(packet.SvcError, packet.StatusFailure, 0, 66, 1006)))
		return errClose
	}
	var b [4]byte
	for c.session == 0 {
		rand.Read(b[:])
		c.session = binary.BigEndian.Uint32(b[:])
	}
	c.challenge = randomAlnum(24)
	c.yid = id
	c.state = stateChallenged
	c.send(packet.New(packet.SvcAuth, packet.StatusServerAck, 0, 1, id, 94, c.challenge, 13, 2))
	return nil
}

// authFail answers a refused AUTHRESP and closes (§4.4).
func (c *conn) authFail(code int, why string) error {
	c.log.Info("yahoo sign-in refused", "id", c.yid, "why", why)
	c.out.CloseAfter(c.packetOut(packet.New(packet.SvcAuthResp, packet.StatusFailure, 0, 1, c.yid, 66, code)))
	return errClose
}

// handleAuthResp checks the proof Y64(MD5(crumb ‖ challenge)) against the
// ticket the token service minted, then signs the user in.
func (c *conn) handleAuthResp(p *packet.Packet) error {
	tk, ok := c.srv.tickets.Redeem(p.Value(278), p.Value(277))
	if !ok {
		return c.authFail(13, "unknown, used or expired ticket")
	}
	email := store.YahooAccount(p.Value(0))
	if id1, ok := p.Get(1); ok && store.YahooAccount(id1) != email {
		return c.authFail(13, "key 1 and key 0 disagree")
	}
	if email != tk.Email || store.YahooAccount(c.yid) != email {
		return c.authFail(13, "ticket belongs to another account")
	}
	sum := md5.Sum([]byte(tk.Crumb + c.challenge))
	if subtle.ConstantTimeCompare([]byte(packet.Y64(sum[:])), []byte(p.Value(307))) != 1 {
		return c.authFail(13, "bad proof (307)")
	}
	acct, err := c.srv.store.AccountByEmail(email)
	if err != nil || acct.Network != store.NetworkYahoo {
		return c.authFail(3, "no such Yahoo account")
	}
	if acct.Disabled {
		return c.authFail(14, "account disabled")
	}
	return c.signIn(acct, p)
}

func randomAlnum(n int) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}

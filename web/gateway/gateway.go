// Package gateway is Messenger's HTTP gateway (POST /gateway/gateway.dll):
// a client that can only reach the web tunnels its notification-server and
// switchboard connections through HTTP requests and polls (docs/gateway.md).
//
// A gateway session is an ordinary connection to the very same servers: the
// gateway hands an in-memory net.Conn to the NS or SB through a
// net.Listener (NSListener, SBListener), so every command, state check,
// limit, queue, kick, broadcast and slow-reader rule applies unchanged, and
// this package imports neither server. The conn's RemoteAddr is the HTTP
// client's address, which the NS reports as ClientIP/ClientPort.
//
// Lock order: Gateway.mu (tier 2, the session table) may be held while
// taking a session's pipeConn.mu (tier 1), never the other way round.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Path is where Messenger posts to the gateway.
const Path = "/gateway/gateway.dll"

// ContentType is the type of every request and answer body.
const ContentType = "application/x-msn-messenger"

// Options configure the gateway; zero values take the defaults.
type Options struct {
	// IdleTimeout ends a session that has had no request for this long; its
	// user goes offline as with a dropped TCP connection.
	IdleTimeout time.Duration
	// MaxSessions bounds the sessions in total, MaxSessionsPerIP those of
	// one client address (loopback is exempt unless LimitLoopback is set,
	// as the NS exempts it, so local load tests are not cut off).
	MaxSessions      int
	MaxSessionsPerIP int
	LimitLoopback    bool
	// MaxBody bounds one request body (the commands it carries).
	MaxBody int64
	// PollsPerSecond bounds the empty polls of one session (burst: twice as
	// many); a poll that finds output waiting always gets it. Messenger
	// polls every two seconds.
	PollsPerSecond float64
	// ReplyWait is the longest a request waits for the server to run the
	// commands it carried; Linger is how long it then waits for their replies.
	ReplyWait time.Duration
	Linger    time.Duration
	// OutBuffer is how much server output may wait for a poll before the
	// server's writer blocks (and, past its queue limit, drops the session).
	OutBuffer int
	// Host is the GW-IP handed to clients for their next requests; empty:
	// the Host the request was sent to.
	Host string
}

// Defaults for Options.
const (
	DefaultIdleTimeout      = 60 * time.Second
	DefaultMaxSessions      = 20000
	DefaultMaxSessionsPerIP = 64
	DefaultMaxBody          = 128 << 10
	DefaultPollsPerSecond   = 5
	DefaultReplyWait        = 10 * time.Second
	DefaultLinger           = 100 * time.Millisecond
	DefaultOutBuffer        = 256 << 10
)

func (o Options) withDefaults() Options {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.MaxSessionsPerIP <= 0 {
		o.MaxSessionsPerIP = DefaultMaxSessionsPerIP
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.PollsPerSecond <= 0 {
		o.PollsPerSecond = DefaultPollsPerSecond
	}
	if o.ReplyWait <= 0 {
		o.ReplyWait = DefaultReplyWait
	}
	if o.Linger <= 0 {
		o.Linger = DefaultLinger
	}
	if o.OutBuffer <= 0 {
		o.OutBuffer = DefaultOutBuffer
	}
	return o
}

// Gateway is the gateway.dll handler.
type Gateway struct {
	opts Options
	log  *slog.Logger
	ns   *listener
	sb   *listener

	mu       sync.Mutex // tier 2: the tables below
	sessions map[string]*session
	perIP    map[string]int
	closed   bool

	// Stats for tests and the admin console.
	Opened, Expired atomic.Int64
}

// session is one tunnelled connection.
type session struct {
	id     string
	server string
	ip     string // client address, for the per-address count
	conn   *pipeConn
	timer  *time.Timer
	busy   atomic.Bool // a request is being served

	mu     sync.Mutex // tier 1: the poll bucket
	tokens float64
	last   time.Time
}

// New returns a gateway; mount it at Path and serve its listeners with the
// NS and SB.
func New(log *slog.Logger, opts Options) *Gateway {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gateway{
		opts: opts.withDefaults(), log: log,
		ns: newListener(), sb: newListener(),
		sessions: map[string]*session{}, perIP: map[string]int{},
	}
}

// NSListener yields the notification-server sessions; hand it to the NS's Serve.
func (g *Gateway) NSListener() net.Listener { return g.ns }

// SBListener yields the switchboard sessions; hand it to the SB's Serve.
func (g *Gateway) SBListener() net.Listener { return g.sb }

// Sessions is the number of open sessions.
func (g *Gateway) Sessions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sessions)
}

// Close refuses new sessions and ends the open ones (their users go offline
// as with a dropped connection). Call it after the servers' Shutdown, which
// has already told every client OUT SSD.
func (g *Gateway) Close() {
	g.mu.Lock()
	g.closed = true
	all := make([]*session, 0, len(g.sessions))
	for _, s := range g.sessions {
		all = append(all, s)
	}
	g.mu.Unlock()
	for _, s := range all {
		g.remove(s)
		s.conn.end()
	}
	g.ns.Close()
	g.sb.Close()
}

// ServeHTTP answers one gateway request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		// Proxies and some clients probe first; the docs are silent, so
		// answer what the resource allows and nothing else.
		w.Header().Set("Allow", "POST, OPTIONS")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		httpError(w, http.StatusMethodNotAllowed, "the gateway takes POST")
		return
	}
	req, err := parseRequest(r.URL.RawQuery)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, "body larger than "+strconv.FormatInt(g.opts.MaxBody, 10)+" bytes")
			return
		}
		httpError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}

	var s *session
	if req.action == actionOpen {
		var status int
		if s, status, err = g.open(r, req); err != nil {
			httpError(w, status, err.Error())
			return
		}
	} else {
		g.mu.Lock()
		s = g.sessions[req.sessionID]
		g.mu.Unlock()
		if s == nil {
			// The session ended (Session=close was sent, or it idled out)
			// or never was: the client must open a new one.
			w.Header().Set("X-MSN-Messenger", "Session=close")
			httpError(w, http.StatusBadRequest, "unknown or expired SessionID")
			return
		}
	}
	if !s.busy.CompareAndSwap(false, true) {
		// One request at a time per session, as the gateway always required
		// (the HTTP connections page: a second request gets 400).
		httpError(w, http.StatusBadRequest, "another request on this session is in progress")
		return
	}
	defer s.busy.Store(false)
	// Only empty polls count against the poll rate: a poll that finds
	// output waiting is never refused (a client may well poll again at
	// once after one that brought something).
	if req.action == actionPoll && !s.conn.hasOutput() && !s.allowPoll(g.opts.PollsPerSecond) {
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusTooManyRequests, "polling too fast")
		return
	}
	s.timer.Reset(g.opts.IdleTimeout)
	s.conn.polled()
	if len(body) > 0 && s.conn.push(body) {
		s.conn.settle(r.Context(), g.opts.ReplyWait, g.opts.Linger)
	}
	if r.Context().Err() != nil {
		return // the client went away: leave the output for its next request
	}
	out, closed := s.conn.take()
	header := "SessionID=" + s.id + "; GW-IP=" + g.gwHost(r)
	if closed {
		header += "; Session=close"
		g.remove(s)
	}
	h := w.Header()
	h.Set("X-MSN-Messenger", header)
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// open starts a session and hands its connection to the server asked for.
func (g *Gateway) open(r *http.Request, req request) (*session, int, error) {
	remote := clientAddr(r.RemoteAddr)
	ip := remote.IP.String()
	limitIP := g.opts.LimitLoopback || !remote.IP.IsLoopback()
	s := &session{id: newSessionID(), server: req.server, ip: ip, last: time.Now(), tokens: 2 * g.opts.PollsPerSecond}
	s.conn = newPipeConn(remote, g.opts.OutBuffer, req.server == "NS")

	g.mu.Lock()
	switch {
	case g.closed:
		g.mu.Unlock()
		return nil, http.StatusServiceUnavailable, errors.New("the server is shutting down")
	case len(g.sessions) >= g.opts.MaxSessions:
		n := len(g.sessions)
		g.mu.Unlock()
		g.log.Warn("gateway session refused: too many sessions", "remote", r.RemoteAddr, "sessions", n)
		return nil, http.StatusServiceUnavailable, errors.New("too many gateway sessions")
	case limitIP && g.perIP[ip] >= g.opts.MaxSessionsPerIP:
		g.mu.Unlock()
		g.log.Warn("gateway session refused: too many sessions from one address", "remote", r.RemoteAddr)
		return nil, http.StatusServiceUnavailable, errors.New("too many gateway sessions from this address")
	}
	g.sessions[s.id] = s
	g.perIP[ip]++
	s.timer = time.AfterFunc(g.opts.IdleTimeout, func() { g.expire(s) })
	g.mu.Unlock()

	l := g.ns
	if req.server == "SB" {
		l = g.sb
	}
	// The IP the client meant is only logged: the gateway reaches this
	// server's own NS and SB, never another host (it is no open proxy).
	if err := l.hand(r.Context(), s.conn); err != nil {
		g.remove(s)
		return nil, http.StatusServiceUnavailable, errors.New("the " + req.server + " server is not running")
	}
	g.Opened.Add(1)
	g.log.Debug("gateway session opened", "sid", s.id, "server", req.server, "ip", req.ip, "remote", r.RemoteAddr)
	return s, 0, nil
}

// remove takes s out of the tables (once).
func (g *Gateway) remove(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sessions[s.id] != s {
		return
	}
	delete(g.sessions, s.id)
	if g.perIP[s.ip]--; g.perIP[s.ip] <= 0 {
		delete(g.perIP, s.ip)
	}
	s.timer.Stop()
}

// expire ends a session that had no request for IdleTimeout.
func (g *Gateway) expire(s *session) {
	g.mu.Lock()
	live := g.sessions[s.id] == s
	g.mu.Unlock()
	if !live {
		return
	}
	if s.busy.Load() {
		// A request is running right now; it resets the timer when it ends.
		s.timer.Reset(g.opts.IdleTimeout)
		return
	}
	g.remove(s)
	g.Expired.Add(1)
	s.conn.end()
	g.log.Info("gateway session idle; closed", "sid", s.id, "server", s.server, "remote", s.conn.remote.String())
}

// allowPoll takes a token from the session's poll bucket.
func (s *session) allowPoll(rate float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.tokens = min(2*rate, s.tokens+now.Sub(s.last).Seconds()*rate)
	s.last = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// gwHost is the GW-IP: where the client sends its next requests.
func (g *Gateway) gwHost(r *http.Request) string {
	if g.opts.Host != "" {
		return g.opts.Host
	}
	return r.Host
}

// clientAddr turns the request's RemoteAddr into a TCP address (what the NS
// reports as ClientIP/ClientPort); an unparsable one becomes 0.0.0.0:0.
func clientAddr(remote string) *net.TCPAddr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
	}
	return &net.TCPAddr{IP: net.IPv4zero}
}

func newSessionID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(code)
	io.WriteString(w, "gateway: "+msg+"\n")
}

// listener is how sessions reach a server: Accept returns the next one.
type listener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newListener() *listener {
	return &listener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *listener) Addr() net.Addr { return gatewayAddr{} }

// hand gives c to the server's accept loop; it fails when nobody serves the
// listener (closed, or not accepting within a few seconds).
func (l *listener) hand(ctx context.Context, c net.Conn) error {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case l.ch <- c:
		return nil
	case <-l.done:
		return net.ErrClosed
	case <-t.C:
		return errors.New("accept timed out")
	case <-ctx.Done():
		return ctx.Err()
	}
}

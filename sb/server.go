package sb

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/listen"
	"msnserver/ns/ratelimit"
	"msnserver/ns/wire"
)

// Options are the switchboard's limits. Zero values take the defaults.
type Options struct {
	// MaxMembers caps the participants of one session; a CAL beyond it gets
	// 217 (switchboard.md §10: WLM lets a conversation grow to about 20).
	MaxMembers int
	// MaxSessionsPerUser caps the sessions one user is in at once; a USR or
	// ANS beyond it gets 713 and a close.
	MaxSessionsPerUser int
	// MaxPayload caps a MSG payload; a longer one gets 200 and a close.
	MaxPayload int
	// IdleTimeout removes a member (BYE handle 1) when neither it nor
	// anyone else in its session has sent anything for this long.
	IdleTimeout time.Duration
	// AuthTimeout closes a connection that has not sent USR or ANS in time.
	AuthTimeout time.Duration
	// CallBurst CALs may be sent back to back by one user (over all of its
	// switchboard connections); after that one more per CallInterval, and
	// the rest get 713.
	CallBurst    int
	CallInterval time.Duration
	// QueueLimit is the most a slow reader may have pending before it is dropped.
	QueueLimit int

	// The Yahoo bridge (yahoo.go). BridgeRingTimeout is how long a
	// network-32 account rung on an MSN user's behalf has to answer; then
	// the waiting messages go out as UBM on its NS connection instead.
	// BridgeQueue caps the messages waiting for that answer (one more gives
	// up the ring the same way). After a ring gave up, the same two users'
	// messages go as UBM for BridgeCooldown without ringing again.
	BridgeRingTimeout time.Duration
	BridgeQueue       int
	BridgeCooldown    time.Duration
}

// Defaults for Options.
const (
	DefaultMaxMembers         = 20
	DefaultMaxSessionsPerUser = 50
	DefaultIdleTimeout        = 5 * time.Minute
	DefaultAuthTimeout        = 60 * time.Second
	DefaultCallBurst          = 20
	DefaultCallInterval       = time.Second
	DefaultBridgeRingTimeout  = 20 * time.Second
	DefaultBridgeQueue        = 16
	DefaultBridgeCooldown     = 2 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.MaxMembers <= 0 {
		o.MaxMembers = DefaultMaxMembers
	}
	if o.MaxSessionsPerUser <= 0 {
		o.MaxSessionsPerUser = DefaultMaxSessionsPerUser
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = wire.MaxSBPayload
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.AuthTimeout <= 0 {
		o.AuthTimeout = DefaultAuthTimeout
	}
	if o.CallBurst <= 0 {
		o.CallBurst = DefaultCallBurst
	}
	if o.CallInterval <= 0 {
		o.CallInterval = DefaultCallInterval
	}
	if o.QueueLimit <= 0 {
		o.QueueLimit = wire.DefaultQueueLimit
	}
	if o.BridgeRingTimeout <= 0 {
		o.BridgeRingTimeout = DefaultBridgeRingTimeout
	}
	if o.BridgeQueue <= 0 {
		o.BridgeQueue = DefaultBridgeQueue
	}
	if o.BridgeCooldown <= 0 {
		o.BridgeCooldown = DefaultBridgeCooldown
	}
	return o
}

// Server is the switchboard.
type Server struct {
	hub  *hub.Hub
	log  *slog.Logger
	opts Options

	mu        sync.Mutex // tier 1 (leaf; lock order in ns/hub): the registry below
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	sessions  map[string]*session
	closing   bool

	bridge bridge          // the Yahoo bridge's index (yahoo.go)
	calls  *ratelimit.Rate // CAL per user, over all of its connections

	wg      sync.WaitGroup // one per connection goroutine
	nextCID atomic.Uint64
	panics  atomic.Int64 // recovered panics (tests fail on any)
}

// New returns a switchboard that authenticates with h's cookies and rings
// through h.
func New(h *hub.Hub, log *slog.Logger, opts Options) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	return &Server{
		hub:       h,
		log:       log,
		opts:      opts,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		sessions:  map[string]*session{},
		calls:     ratelimit.NewRate(opts.CallBurst, opts.CallInterval),
	}
}

// Serve accepts switchboard connections on l until l is closed. After
// Shutdown it returns nil. A plain listener gets a pool of its own with the
// default caps (listen.Pool: EMFILE is retried, the oldest unauthenticated
// connection makes room); main hands in the process's shared pool.
func (s *Server) Serve(l net.Listener) error {
	if _, ok := l.(*listen.Listener); !ok {
		l = listen.NewPool(listen.Limits{}, s.log).Listen(l, "sb")
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()

	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				return nil
			}
			return fmt.Errorf("switchboard accept: %w", err)
		}
		s.wg.Add(1)
		go s.serveConn(nc)
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Shutdown closes the listeners, then every connection once its queued
// lines are written, and waits for the connections to end. When ctx ends
// first, the remaining connections are closed at once and ctx's error is
// returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for l := range s.listeners {
		l.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	for _, c := range conns {
		c.remove()
	}
	s.stopRings()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		left := s.Connections()
		for _, c := range conns {
			c.q.Close()
		}
		<-done
		return fmt.Errorf("%d connections still open, closed: %w", left, ctx.Err())
	}
}

// track registers a new connection; false while shutting down.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// newSession registers an empty session with a fresh decimal id of 9–10
// digits (the historic form).
func (s *Server) newSession() *session {
	sess := &session{srv: s, since: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		id := strconv.FormatUint(uint64(rand.N[uint32](4294967295-100000000)+100000000), 10)
		if _, taken := s.sessions[id]; !taken {
			sess.id = id
			s.sessions[id] = sess
			return sess
		}
	}
}

func (s *Server) lookupSession(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

func (s *Server) dropSession(sess *session) {
	s.mu.Lock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	s.mu.Unlock()
	if sess.bridged.Load() {
		s.bridge.forgetSession(sess)
	}
}

func (s *Server) allSessions() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		out = append(out, sess)
	}
	return out
}

// Info describes one session for the admin console.
type Info struct {
	ID       string
	Members  []string // e-mail addresses, in order of joining
	Since    time.Time
	Messages int64 // MSGs relayed
}

// Sessions lists the open sessions, oldest first.
func (s *Server) Sessions() []Info {
	all := s.allSessions()
	out := make([]Info, 0, len(all))
	for _, sess := range all {
		members := sess.emails()
		if len(members) == 0 {
			continue
		}
		out = append(out, Info{ID: sess.id, Since: sess.since, Messages: sess.messages.Load(), Members: members})
	}
	slices.SortFunc(out, func(a, b Info) int { return a.Since.Compare(b.Since) })
	return out
}

// Connections is the number of open switchboard connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Disconnect removes every switchboard member that entered through the NS
// session u (for example after u was replaced by a login elsewhere), and u
// as a virtual member of bridged sessions: the others get BYE handle 1. It
// returns how many connections it closed.
func (s *Server) Disconnect(u *hub.Session) int {
	n := 0
	for _, sess := range s.allSessions() {
		for _, m := range sess.snapshot() {
			if m.user == u {
				m.remove()
				n++
			}
		}
		if sess.bridged.Load() {
			sess.dropVirtual(u)
		}
	}
	return n
}

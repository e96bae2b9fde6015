// Package ns is the notification server (dispatch and notification on one
// listener): login, presence, lists, Yahoo! interoperability, challenges,
// pings and broadcasts. Each connection is served by one goroutine that
// reads a line, runs its command to the end and queues the replies; pushes
// from other connections go through the same non-blocking queue (wire.Queue).
package ns

import (
	"context"
	"log/slog"
	"net"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/listen"
	"msnserver/ns/ratelimit"
	"msnserver/ns/ticket"
	"msnserver/store"
)

// Options configure the notification server.
type Options struct {
	// Policy returns the GCF shields policy document sent at login.
	Policy func() string
	// Challenge sends a CHL after the first CHG and checks the QRY answer.
	Challenge bool
	// IdleTimeout closes a logged-in connection silent for this long (3 × the QNG interval).
	IdleTimeout time.Duration
	// LoginTimeout closes a connection that has not logged in within this time.
	LoginTimeout time.Duration
	// ParkAfter is how long a signed-in connection waits for its next line
	// on its own goroutine before it parks (listen.Parking): long enough that
	// a conversation of commands never parks between them (default 2 s).
	ParkAfter time.Duration
	// MaxConns bounds connections in total and MaxConnsPerIP per address
	// (loopback addresses are exempt from the per-address bound, so local
	// tools and load tests are not cut off) when Serve is handed a plain
	// listener; a *listen.Listener brings its pool's limits instead.
	MaxConns      int
	MaxConnsPerIP int
	// MaxFailedLogins is how many refused tickets one address may present
	// per minute; past it, USR TWN S gets 911 without being checked.
	MaxFailedLogins int
	// MaxContacts bounds a session's forward list (ADL → 210).
	MaxContacts int
	// MailData returns the initial mail-data MSG sent after the first CHG (nil: none).
	MailData func(email string) []byte
	// MaxMSNP is the highest dialect negotiated: 13, 14 or 15 (default 15).
	// 14 holds MSNP15 clients (WLM 8.1/8.5) to MSNP14 and Tweener login.
	MaxMSNP int
	// QueueLimit is the most a slow reader may have pending before it is dropped.
	QueueLimit int
	// XFRBurst XFR SBs may come back to back from one user; after that one
	// more per XFRInterval, and the rest get 713 (as CAL on the switchboard).
	XFRBurst    int
	XFRInterval time.Duration
}

func (o *Options) defaults() {
	if o.Policy == nil {
		o.Policy = func() string { return DefaultPolicy }
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 150 * time.Second
	}
	if o.LoginTimeout == 0 {
		o.LoginTimeout = 60 * time.Second
	}
	if o.ParkAfter == 0 {
		o.ParkAfter = 2 * time.Second
	}
	if o.MaxConns == 0 {
		o.MaxConns = 20000
	}
	if o.MaxConnsPerIP == 0 {
		o.MaxConnsPerIP = 64
	}
	if o.MaxFailedLogins == 0 {
		o.MaxFailedLogins = 30
	}
	if o.XFRBurst == 0 {
		o.XFRBurst = 20
	}
	if o.XFRInterval == 0 {
		o.XFRInterval = time.Second
	}
	if o.MaxMSNP == 0 {
		o.MaxMSNP = 15
	}
	if o.MaxContacts == 0 {
		o.MaxContacts = store.MaxContacts
	}
}

// DefaultPolicy is the minimal SHIELDS policy (ns-login.md §5): no client is blocked.
const DefaultPolicy = `<Policies><Policy type="SHIELDS" checksum="94A347C122C483F8BEAD525832DB2F71"><config><shield><cli maj="7" min="0" minbld="0" maxbld="9999" deny=" " /></shield><block></block></config></Policy></Policies>`

// Server is the notification server.
type Server struct {
	hub     *hub.Hub
	store   *store.Store
	tickets *ticket.Signer
	log     *slog.Logger
	opts    Options

	conns *listen.Conns[*conn] // accept loop, live connections, shutdown

	failedLogins *ratelimit.Limiter
	xfrs         *ratelimit.Rate // XFR SB per account
}

// New returns a notification server.
func New(h *hub.Hub, st *store.Store, tickets *ticket.Signer, log *slog.Logger, opts Options) *Server {
	opts.defaults()
	s := &Server{hub: h, store: st, tickets: tickets, log: log, opts: opts,
		failedLogins: ratelimit.New(opts.MaxFailedLogins, time.Minute), xfrs: ratelimit.NewRate(opts.XFRBurst, opts.XFRInterval)}
	s.conns = listen.NewConns("ns", listen.Limits{MaxConns: opts.MaxConns, MaxPerIP: opts.MaxConnsPerIP}, log,
		func(nc net.Conn, id uint64) *conn { return newConn(s, nc, id) })
	s.conns.OnPanic = func(v any) {
		if panicHook != nil {
			panicHook(v)
		}
	}
	return s
}

// Serve accepts connections on ln until Shutdown. A plain listener gets a
// pool of its own with the Options' caps (listen.Pool: EMFILE is retried,
// the oldest unauthenticated connection makes room).
func (s *Server) Serve(ln net.Listener) error { return s.conns.Serve(ln) }

// Shutdown stops accepting, sends OUT SSD to every client, waits for them to
// go (or ctx to end) and then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error { return s.conns.Shutdown(ctx) }

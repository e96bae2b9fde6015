// Package ymsg is the Yahoo! Messenger pager (YMSG16, protocol/ymsg.md): the
// TCP front that Yahoo! Messenger 9 and libpurple's Yahoo plugin sign in to.
// A signed-in Yahoo user is a hub session of a network-32 account, exactly
// like one signed in with a Messenger client: MSN users see NLN/FLN with
// network 32 and talk with UUM/UBM, and the hub's presence, kicks and
// broadcasts reach the Yahoo user through a translating Sender (out.go).
package ymsg

import (
	"context"
	"log/slog"
	"net"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/listen"
	"msnserver/ns/ticket"
	"msnserver/store"
)

// Tickets redeems the login tickets the HTTPS token service minted.
type Tickets interface {
	Redeem(t, y string) (*ticket.YahooTicket, bool)
}

// Options configure the pager.
type Options struct {
	// IdleTimeout closes a signed-in connection silent this long (lp sends a
	// keep-alive every 60 s).
	IdleTimeout time.Duration
	// LoginTimeout closes a connection that has not signed in within this time.
	LoginTimeout time.Duration
	// ParkAfter is how long a signed-in connection waits for its next
	// packet on its own goroutine before it parks (listen.Parking; default 2 s).
	ParkAfter time.Duration
	// MaxConns and MaxConnsPerIP cap a listener Serve wraps in a pool of
	// its own; a listener from the process's shared pool has its caps.
	MaxConns      int
	MaxConnsPerIP int
	// QueueLimit is the most a slow reader may have pending before it is dropped.
	QueueLimit int
	// TypingTimeout ends an MSN user's typing indication without a repeat
	// (WLM never says "stopped"; libpurple never times out on its own).
	TypingTimeout time.Duration
}

func (o *Options) defaults() {
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 10 * time.Minute
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
	if o.TypingTimeout == 0 {
		o.TypingTimeout = 6 * time.Second
	}
}

// Server is the YMSG pager.
type Server struct {
	hub     *hub.Hub
	store   *store.Store
	tickets Tickets
	log     *slog.Logger
	opts    Options

	conns *listen.Conns[*conn] // accept loop, live connections, shutdown
}

// New returns a pager.
func New(h *hub.Hub, st *store.Store, tickets Tickets, log *slog.Logger, opts Options) *Server {
	opts.defaults()
	s := &Server{hub: h, store: st, tickets: tickets, log: log, opts: opts}
	s.conns = listen.NewConns("ymsg", listen.Limits{MaxConns: opts.MaxConns, MaxPerIP: opts.MaxConnsPerIP}, log,
		func(nc net.Conn, id uint64) *conn { return newConn(s, nc, id) })
	s.conns.OnPanic = func(v any) {
		if panicHook != nil {
			panicHook(v)
		}
	}
	return s
}

// Serve accepts connections on ln until Shutdown. A plain listener gets a
// pool of its own with the Options' caps (listen.Pool: the process's accept
// loop; the oldest unauthenticated connection makes room).
func (s *Server) Serve(ln net.Listener) error { return s.conns.Serve(ln) }

// Shutdown stops accepting, tells every client (a system message, then the
// close), waits for them to go or ctx to end, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error { return s.conns.Shutdown(ctx) }

// Bridge wraps the hub's Yahoo bridge (the switchboard, for network-32
// accounts signed in with a Messenger client) so that UUM to a user signed
// in here is not rung into a switchboard but goes out as UBM, which this
// front translates.
func Bridge(next hub.YahooBridge, h *hub.Hub) hub.YahooBridge {
	return bridge{next: next, hub: h}
}

type bridge struct {
	next hub.YahooBridge
	hub  *hub.Hub
}

func (b bridge) DeliverToYahoo(from *hub.Session, to string, kind string, payload []byte) bool {
	if s := b.hub.Lookup(to); s != nil {
		if _, ok := s.Out.(*sender); ok {
			return false
		}
	}
	if b.next == nil {
		return false
	}
	return b.next.DeliverToYahoo(from, to, kind, payload)
}

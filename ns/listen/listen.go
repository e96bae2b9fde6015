// Package listen is the one accept loop every server of the process uses (NS,
// switchboard, HTTP, HTTPS): a Pool bounds the connections of all its
// listeners together, in total and per remote address, and keeps the process
// alive when it runs out of file descriptors.
//
//   - An accept error such as EMFILE or ENFILE never ends a service: the pool
//     closes its oldest unauthenticated connection to free a descriptor, backs
//     off (5 ms doubling to 1 s) and accepts again.
//   - A connection past a cap takes the place of the oldest unauthenticated
//     connection (of the same address for the per-address cap); when every
//     connection has signed in, the new one is closed instead. A stranger's
//     bare connections therefore cannot keep signed-in users out.
//   - Pressure is logged once when it starts and once when it ends, with
//     counts, never per connection.
//
// Servers mark a connection with Authenticated once its user has signed in.
// It imports nothing of ours, so every server may use it.
package listen

import (
	"container/list"
	"errors"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// Limits bound a pool's connections.
type Limits struct {
	// MaxConns bounds the connections of every listener together. It is
	// lowered to fit the process's descriptor limit (RLIMIT_NOFILE less
	// Reserve), so the cap, not EMFILE, is what strangers meet first.
	MaxConns int
	// MaxPerIP bounds the connections of one remote address; loopback
	// addresses are exempt (local tools, load tests).
	MaxPerIP int
	// Reserve is how many descriptors are kept for the store, logs and
	// outgoing work; 0 means 64.
	Reserve int
}

// Defaults.
const (
	DefaultMaxConns = 20000
	DefaultMaxPerIP = 64
	DefaultReserve  = 64
	// quiet is how long a pool must go without shedding or refusing before
	// the end of a pressure episode is logged.
	quiet = 30 * time.Second
)

// Pool tracks the connections accepted by its listeners.
type Pool struct {
	lim Limits
	log *slog.Logger

	mu     sync.Mutex // leaf
	total  int
	perIP  map[string]int
	unauth *list.List // of *Conn, oldest first; only connections not yet authenticated

	pressure  bool // an episode is going on (logged once at its start)
	lastEvent time.Time
	shed      int // connections closed to make room, this episode
	refused   int // new connections closed, this episode
	acceptErr int // accept errors retried, this episode
}

// NewPool returns a pool with lim (zero fields take the defaults).
func NewPool(lim Limits, log *slog.Logger) *Pool {
	if lim.MaxConns <= 0 {
		lim.MaxConns = DefaultMaxConns
	}
	if lim.MaxPerIP <= 0 {
		lim.MaxPerIP = DefaultMaxPerIP
	}
	if lim.Reserve <= 0 {
		lim.Reserve = DefaultReserve
	}
	if n, ok := descriptorLimit(); ok && n < lim.MaxConns+lim.Reserve {
		lim.MaxConns = max(n-lim.Reserve, 16)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pool{lim: lim, log: log, perIP: map[string]int{}, unauth: list.New()}
}

// MaxConns is the effective total cap (after the descriptor limit).
func (p *Pool) MaxConns() int { return p.lim.MaxConns }

// Count is the number of open connections.
func (p *Pool) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// Listen wraps ln so that its connections count against the pool. name
// appears in the pool's log lines.
func (p *Pool) Listen(ln net.Listener, name string) *Listener {
	return &Listener{Listener: ln, pool: p, name: name}
}

// Listener is a net.Listener whose Accept retries descriptor exhaustion and
// applies the pool's caps. Its connections are *Conn.
type Listener struct {
	net.Listener
	pool *Pool
	name string
}

// Accept waits for the next connection the pool admits. It returns an error
// only when the listener is closed or fails for good.
func (l *Listener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			if !retryable(err) {
				return nil, err
			}
			// Out of descriptors (or a similar passing failure): make
			// room by closing the oldest stranger, wait and try again.
			l.pool.acceptFailed(l.name, err)
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if c := l.pool.admit(nc, l.name); c != nil {
			return c, nil
		}
	}
}

// retryable reports whether an accept error passes with time: descriptor or
// memory exhaustion, an aborted handshake, a timeout.
func retryable(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		return false
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR, syscall.EPROTO, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Conn is a connection counted by a pool.
type Conn struct {
	net.Conn
	pool *Pool
	ip   string
	elem *list.Element // in pool.unauth while not authenticated; guarded by pool.mu
	done bool          // released; guarded by pool.mu
}

// NetConn is the connection the pool wraps (as *tls.Conn offers it), so a
// server can see through the wrapper (ns asks whether a conn came through
// the HTTP gateway).
func (c *Conn) NetConn() net.Conn { return c.Conn }

// Close closes the connection and gives its place back to the pool.
func (c *Conn) Close() error {
	c.pool.release(c)
	return c.Conn.Close()
}

// Authenticated marks nc (a *Conn, or one wrapping it through NetConn, as
// *tls.Conn does) as signed in: it is no longer shed to make room. Other
// connections are ignored.
func Authenticated(nc net.Conn) {
	for nc != nil {
		if c, ok := nc.(*Conn); ok {
			c.pool.authenticate(c)
			return
		}
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return
		}
		nc = u.NetConn()
	}
}

// RemoteIP is the client address of nc without its port.
func RemoteIP(nc net.Conn) string {
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
	return host
}

func isLoopback(ip string) bool {
	a := net.ParseIP(ip)
	return a != nil && a.IsLoopback()
}

// admit counts nc in, shedding an older stranger when a cap is reached. It
// returns nil (and closes nc) when there is no room.
func (p *Pool) admit(nc net.Conn, name string) *Conn {
	ip := RemoteIP(nc)
	exempt := isLoopback(ip)
	var victims []*Conn
	p.mu.Lock()
	if !exempt && p.perIP[ip] >= p.lim.MaxPerIP {
		v := p.oldestLocked(ip)
		if v == nil {
			p.refuseLocked(name, "per-address cap", ip)
			p.mu.Unlock()
			nc.Close()
			return nil
		}
		victims = append(victims, v)
		p.dropLocked(v)
	}
	if p.total >= p.lim.MaxConns {
		v := p.oldestLocked("")
		if v == nil {
			p.refuseLocked(name, "total cap", ip)
			p.mu.Unlock()
			nc.Close()
			return nil
		}
		victims = append(victims, v)
		p.dropLocked(v)
	}
	if len(victims) > 0 {
		p.eventLocked(name, "connection cap reached; closing the oldest unauthenticated connections", ip)
		p.shed += len(victims)
	} else if p.pressure && time.Since(p.lastEvent) > quiet {
		p.log.Info("connection pressure over", "listener", name, "conns", p.total, "shed", p.shed, "refused", p.refused, "accept_errors", p.acceptErr)
		p.pressure, p.shed, p.refused, p.acceptErr = false, 0, 0, 0
	}
	c := &Conn{Conn: nc, pool: p, ip: ip}
	c.elem = p.unauth.PushBack(c)
	p.total++
	p.perIP[ip]++
	p.mu.Unlock()
	for _, v := range victims {
		v.Conn.Close()
	}
	return c
}

// acceptFailed sheds the oldest stranger so the next accept finds a descriptor.
func (p *Pool) acceptFailed(name string, err error) {
	p.mu.Lock()
	p.eventLocked(name, "accept failing; closing the oldest unauthenticated connections and retrying", "", "err", err.Error())
	p.acceptErr++
	v := p.oldestLocked("")
	if v != nil {
		p.dropLocked(v)
		p.shed++
	}
	p.mu.Unlock()
	if v != nil {
		v.Conn.Close()
	}
}

// eventLocked notes a pressure event, logging only the first of an episode.
func (p *Pool) eventLocked(name, msg, ip string, extra ...any) {
	p.lastEvent = time.Now()
	if p.pressure {
		return
	}
	p.pressure = true
	args := append([]any{"listener", name, "conns", p.total, "max_conns", p.lim.MaxConns, "max_per_ip", p.lim.MaxPerIP}, extra...)
	if ip != "" {
		args = append(args, "remote", ip)
	}
	p.log.Warn("connection pressure: "+msg, args...)
}

func (p *Pool) refuseLocked(name, why, ip string) {
	p.eventLocked(name, why+" reached and every connection has signed in; refusing new ones", ip)
	p.refused++
}

// oldestLocked returns the oldest unauthenticated connection, of ip when set.
func (p *Pool) oldestLocked(ip string) *Conn {
	for e := p.unauth.Front(); e != nil; e = e.Next() {
		if c := e.Value.(*Conn); ip == "" || c.ip == ip {
			return c
		}
	}
	return nil
}

// dropLocked takes c out of the counts (it is about to be closed).
func (p *Pool) dropLocked(c *Conn) {
	if c.done {
		return
	}
	c.done = true
	if c.elem != nil {
		p.unauth.Remove(c.elem)
		c.elem = nil
	}
	p.total--
	if p.perIP[c.ip]--; p.perIP[c.ip] <= 0 {
		delete(p.perIP, c.ip)
	}
}

func (p *Pool) release(c *Conn) {
	p.mu.Lock()
	p.dropLocked(c)
	p.mu.Unlock()
}

func (p *Pool) authenticate(c *Conn) {
	p.mu.Lock()
	if c.elem != nil {
		p.unauth.Remove(c.elem)
		c.elem = nil
	}
	p.mu.Unlock()
}

// CloseWrite half-closes a TCP connection (net/http uses it to flush an error reply).
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn reaches the socket beneath (syscall.Conn), so that a
// wire.Reader can wait for data without holding a buffer.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

package listen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Served is a protocol connection a Conns runs: the NS's and the YMSG
// pager's connection types.
type Served interface {
	comparable
	// Serve runs the connection until it ends.
	Serve()
	// Goodbye tells the client the server is going away (OUT SSD, a system
	// message) and closes the connection once that is written.
	Goodbye()
	// Socket is the connection's net.Conn, cut at a shutdown's deadline.
	Socket() net.Conn
}

// Parking is a Served connection that can give its goroutine up while its
// client is quiet. ServeParking is Serve that returns true when it stopped
// only to wait for data: nothing buffered, the connection open, its read
// deadline set to when the wait should give up. Conns then waits for data
// on a goroutine of its own, whose stack is a fraction of what commands
// grew the serving one to, and calls ServeParking again.
type Parking interface {
	ServeParking() (parked bool)
}

// Conns is a protocol server's accept loop and its set of live connections,
// with the two-phase shutdown every server needs: stop accepting and say
// goodbye to everyone, then wait for them to go until a deadline and cut
// what is left. The notification server and the Yahoo! pager share it.
type Conns[C Served] struct {
	name   string // for the listener pool and messages
	limits Limits
	log    *slog.Logger
	newC   func(nc net.Conn, id uint64) C

	// OnPanic, when set before Serve, is told of a panic recovered from a
	// connection (after it is logged with its stack); tests fail on it.
	OnPanic func(v any)

	mu        sync.Mutex // tier 1 (leaf; lock order in ns/hub): connection set and listeners
	listeners []net.Listener
	conns     map[C]struct{}
	closing   bool
	nextID    uint64
	wg        sync.WaitGroup

	parked atomic.Int64 // connections waiting without a serving goroutine
}

// NewConns returns an empty set. newC makes a connection for an accepted
// socket; limits apply when Serve is given a plain listener (one from a
// Pool brings its pool's).
func NewConns[C Served](name string, limits Limits, log *slog.Logger, newC func(nc net.Conn, id uint64) C) *Conns[C] {
	return &Conns[C]{name: name, limits: limits, log: log, newC: newC, conns: map[C]struct{}{}}
}

// Serve accepts connections on ln until Shutdown, running each on its own
// goroutine. A plain listener gets a pool of its own with the set's limits
// (EMFILE is retried, the oldest unauthenticated connection makes room).
func (s *Conns[C]) Serve(ln net.Listener) error {
	if _, ok := ln.(*Listener); !ok {
		ln = NewPool(s.limits, s.log).Listen(ln, s.name)
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		c, ok := s.admit(nc)
		if !ok {
			nc.Close()
			continue
		}
		go s.run(c)
	}
}

// run serves c on the calling goroutine until it ends or parks.
func (s *Conns[C]) run(c C) {
	parked := false
	defer func() {
		if !parked {
			s.release(c)
		}
	}()
	defer s.recoverPanic(c)
	if p, ok := any(c).(Parking); ok && CanWait(c.Socket()) {
		if parked = p.ServeParking(); parked {
			s.parked.Add(1)
			go s.wake(c)
		}
		return
	}
	c.Serve()
}

// wake waits until c's socket has data, is closed or reaches its read
// deadline, then serves c on this goroutine. The wait goes through Go's own
// poller, so closing the connection (a kick, a shutdown's goodbye) ends it.
func (s *Conns[C]) wake(c C) {
	Wait(c.Socket())
	s.parked.Add(-1)
	s.run(c)
}

// Parked is the number of connections parked now (see Parking).
func (s *Conns[C]) Parked() int { return int(s.parked.Load()) }

func (s *Conns[C]) admit(nc net.Conn) (C, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		var none C
		return none, false
	}
	s.nextID++
	c := s.newC(nc, s.nextID)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c, true
}

// recoverPanic keeps a bug in one connection from ending the process: the
// connection has closed itself on the way out (its Serve defers that).
func (s *Conns[C]) recoverPanic(c C) {
	if v := recover(); v != nil {
		s.log.Error("panic serving connection", "server", s.name, "remote", c.Socket().RemoteAddr().String(),
			"panic", v, "stack", string(debug.Stack()))
		if s.OnPanic != nil {
			s.OnPanic(v)
		}
	}
}

func (s *Conns[C]) release(c C) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Len is the number of live connections.
func (s *Conns[C]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown stops accepting, says goodbye to every client, waits for them to
// go or ctx to end, and then cuts what is left.
func (s *Conns[C]) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for _, ln := range s.listeners {
		ln.Close()
	}
	conns := make([]C, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Goodbye()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		left := s.Len()
		for _, c := range conns {
			c.Socket().SetDeadline(time.Now())
			c.Socket().Close()
		}
		<-done
		return fmt.Errorf("%s: %d connections still open, closed: %w", s.name, left, ctx.Err())
	}
}

// Quiet is how a Parking connection decides to park: with nothing
// buffered, it waits up to after for data on nc without reading any and
// reports whether none came. The read deadline is left at limit (the idle
// limit, which the caller has set already), for the read that follows or the
// parked wait. A wait that would reach past limit is not begun.
func Quiet(nc net.Conn, after time.Duration, limit time.Time) bool {
	p := time.Now().Add(after)
	if !CanWait(nc) || !p.Before(limit) {
		return false
	}
	nc.SetReadDeadline(p)
	quiet := errors.Is(Wait(nc), os.ErrDeadlineExceeded)
	nc.SetReadDeadline(limit)
	return quiet
}

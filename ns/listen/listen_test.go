package listen

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// flaky fails its first n accepts with err, then accepts for real.
type flaky struct {
	net.Listener
	mu  sync.Mutex
	n   int
	err error
}

func (f *flaky) Accept() (net.Conn, error) {
	f.mu.Lock()
	if f.n > 0 {
		f.n--
		f.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: &osSyscallError{f.err}}
	}
	f.mu.Unlock()
	return f.Listener.Accept()
}

type osSyscallError struct{ err error }

func (e *osSyscallError) Error() string { return "accept4: " + e.err.Error() }
func (e *osSyscallError) Unwrap() error { return e.err }

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tcpListener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closed reports whether the server closed c (EOF or reset on read).
func closed(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, syscall.EAGAIN) && !isTimeout(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Descriptor exhaustion is retried, never returned, and logged once.
func TestAcceptRetriesEMFILE(t *testing.T) {
	var logs syncBuf
	p := NewPool(Limits{}, slog.New(slog.NewTextHandler(&logs, nil)))
	inner := &flaky{Listener: tcpListener(t), n: 5, err: syscall.EMFILE}
	ln := p.Listen(inner, "test")
	dial(t, ln.Addr().String())
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept = %v, want a connection after the EMFILE errors", err)
	}
	c.Close()
	if n := strings.Count(logs.String(), "connection pressure"); n != 1 {
		t.Fatalf("pressure logged %d times, want once:\n%s", n, logs.String())
	}
	inner.Close()
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v, want net.ErrClosed", err)
	}
}

// At the total cap a new connection replaces the oldest unauthenticated one;
// signed-in connections are never shed, and when all are, the newcomer goes.
func TestCapShedsOldestUnauthenticated(t *testing.T) {
	var logs syncBuf
	p := NewPool(Limits{MaxConns: 3}, slog.New(slog.NewTextHandler(&logs, nil)))
	ln := p.Listen(tcpListener(t), "test")
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	addr := ln.Addr().String()
	a := dial(t, addr)
	sa := <-accepted
	Authenticated(sa) // a signs in
	b := dial(t, addr)
	<-accepted
	c := dial(t, addr)
	<-accepted
	d := dial(t, addr) // over the cap: b (oldest stranger) goes
	<-accepted
	if !closed(t, b) {
		t.Fatal("the oldest unauthenticated connection was not shed")
	}
	if p.Count() != 3 {
		t.Fatalf("Count = %d, want 3", p.Count())
	}
	for _, x := range []net.Conn{a, c, d} {
		x.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := x.Read(make([]byte, 1)); !isTimeout(err) {
			t.Fatalf("a kept connection was closed: %v", err)
		}
	}
	if n := strings.Count(logs.String(), "connection pressure"); n != 1 {
		t.Fatalf("pressure logged %d times, want once:\n%s", n, logs.String())
	}
}

// Past the per-address cap the oldest stranger of that address goes.
func TestPerAddressCap(t *testing.T) {
	p := NewPool(Limits{MaxPerIP: 2}, nil)
	var mu sync.Mutex
	var got []*Conn
	for _, port := range []int{1, 2, 3} {
		c := p.admit(fakeConn{addr: &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: port}}, "test")
		if c == nil {
			t.Fatalf("connection %d refused", port)
		}
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
	}
	if p.Count() != 2 || !got[0].done {
		t.Fatalf("Count = %d, first shed = %v; want 2, true", p.Count(), got[0].done)
	}
	for _, c := range got[1:] {
		Authenticated(c)
	}
	if c := p.admit(fakeConn{addr: &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4}}, "test"); c != nil {
		t.Fatal("admitted past the per-address cap with every connection signed in")
	}
	if c := p.admit(fakeConn{addr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 5}}, "test"); c == nil {
		t.Fatal("loopback refused")
	}
}

type fakeConn struct {
	net.Conn
	addr net.Addr
}

func (f fakeConn) RemoteAddr() net.Addr      { return f.addr }
func (f fakeConn) Close() error              { return nil }
func (f fakeConn) Read([]byte) (int, error)  { return 0, io.EOF }
func (f fakeConn) Write([]byte) (int, error) { return 0, io.EOF }

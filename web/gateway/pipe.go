package gateway

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// pipeConn is the server's end of a gateway session: the NS or SB serves it
// like a TCP connection, and the HTTP handler feeds it the request bodies and
// collects what the server wrote. Unlike net.Pipe it is buffered both ways:
// the server's writer only blocks once outCap bytes wait for a poll, and then
// only until its write deadline, so a poller that stops polling meets the
// same queue limit and slow-reader drop as a TCP client that stops reading.
type pipeConn struct {
	remote  net.Addr
	outCap  int
	isNS    bool
	mu      sync.Mutex // tier 1: leaf lock
	in      []byte     // client → server, not yet read
	out     []byte     // server → client, not yet polled
	srvDone bool       // the server closed its end
	cliDone bool       // the gateway ended the session (idle, shutdown)
	waiting bool       // the server's reader waits for input: all it was given is processed
	rdl     time.Time  // read deadline
	rdlDur  time.Duration
	wdl     time.Time // write deadline
	wake    chan struct{}
}

func newPipeConn(remote net.Addr, outCap int, isNS bool) *pipeConn {
	return &pipeConn{remote: remote, outCap: outCap, isNS: isNS, wake: make(chan struct{})}
}

// signal wakes every waiter; called with mu held after any change.
func (p *pipeConn) signal() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// wait releases mu until a change, the deadline (zero: none) or ctx ends,
// and takes mu again.
func (p *pipeConn) wait(ctx context.Context, deadline time.Time) {
	ch := p.wake
	p.mu.Unlock()
	defer p.mu.Lock()
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ch:
	case <-timeout:
	case <-ctx.Done():
	}
}

// Read hands the server the bytes posted so far, blocking like a socket.
func (p *pipeConn) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.srvDone:
			return 0, net.ErrClosed
		case len(p.in) > 0:
			n := copy(b, p.in)
			if p.in = p.in[n:]; len(p.in) == 0 {
				p.in = nil
			}
			return n, nil
		case p.cliDone:
			return 0, io.EOF
		case !p.rdl.IsZero() && !time.Now().Before(p.rdl):
			return 0, os.ErrDeadlineExceeded
		}
		if !p.waiting {
			p.waiting = true
			p.signal()
		}
		p.wait(context.Background(), p.rdl)
	}
}

// Write queues b for the next poll; it blocks only while outCap bytes wait.
func (p *pipeConn) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	total := 0
	for len(b) > 0 {
		switch {
		case p.srvDone:
			return total, net.ErrClosed
		case p.cliDone:
			return total, io.ErrClosedPipe
		case !p.wdl.IsZero() && !time.Now().Before(p.wdl):
			return total, os.ErrDeadlineExceeded
		}
		if room := p.outCap - len(p.out); room > 0 {
			n := min(room, len(b))
			p.out = append(p.out, b[:n]...)
			b, total = b[n:], total+n
			p.signal()
			continue
		}
		p.wait(context.Background(), p.wdl)
	}
	return total, nil
}

// Close ends the server's side; what it wrote is still handed to the next
// request, which then carries Session=close.
func (p *pipeConn) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.srvDone {
		p.srvDone = true
		p.in = nil
		p.signal()
	}
	return nil
}

func (p *pipeConn) LocalAddr() net.Addr  { return gatewayAddr{} }
func (p *pipeConn) RemoteAddr() net.Addr { return p.remote }

func (p *pipeConn) SetDeadline(t time.Time) error {
	p.SetReadDeadline(t)
	return p.SetWriteDeadline(t)
}

func (p *pipeConn) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rdl, p.rdlDur = t, 0
	if !t.IsZero() {
		p.rdlDur = time.Until(t)
	}
	p.signal()
	return nil
}

func (p *pipeConn) SetWriteDeadline(t time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wdl = t
	p.signal()
	return nil
}

// ViaGateway marks the connection for the servers (XFR SB and RNG tell a
// gateway user to reach the switchboard through the gateway too).
func (p *pipeConn) ViaGateway() bool { return true }

// push hands a request body to the server; false once either side ended.
func (p *pipeConn) push(b []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srvDone || p.cliDone {
		return false
	}
	p.in = append(p.in, b...)
	p.waiting = false
	p.signal()
	return true
}

// settle waits until the server has read and run everything pushed (its
// reader is back waiting for input) or has closed, for at most maxWait;
// then up to linger more for its replies, which its queue writes from
// another goroutine, to arrive. A reply that comes later waits for the next
// poll, so these waits only shape latency, never correctness.
func (p *pipeConn) settle(ctx context.Context, maxWait, linger time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	deadline := time.Now().Add(maxWait)
	for !p.srvDone && !(p.waiting && len(p.in) == 0) && time.Now().Before(deadline) && ctx.Err() == nil {
		p.wait(ctx, deadline)
	}
	deadline = time.Now().Add(linger)
	for !p.srvDone && len(p.out) == 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		p.wait(ctx, deadline)
	}
}

// take returns everything the server wrote and whether the session is over
// (the server closed its side, or the gateway ended it): nothing more comes.
func (p *pipeConn) take() ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.out
	p.out = nil
	if len(out) > 0 {
		p.signal() // a writer blocked on a full buffer may go on
	}
	return out, p.srvDone || p.cliDone
}

// hasOutput reports whether anything waits for a poll.
func (p *pipeConn) hasOutput() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.out) > 0
}

// polled extends a pending read deadline of a notification-server
// connection by its original length: a gateway client's polls are its
// keep-alive (the HTTP connections page notes that PNG may be refused over
// HTTP), while the gateway's own idle timeout ends a client that stops
// polling. Switchboard deadlines are left alone, so its idle rule is the
// same for every member.
func (p *pipeConn) polled() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isNS && p.rdlDur > 0 && !p.rdl.IsZero() {
		p.rdl = time.Now().Add(p.rdlDur)
		p.signal()
	}
}

// end closes the client's side: the server reads EOF, as from a dropped
// TCP connection.
func (p *pipeConn) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.cliDone {
		p.cliDone = true
		p.out = nil
		p.signal()
	}
}

type gatewayAddr struct{}

func (gatewayAddr) Network() string { return "gateway" }
func (gatewayAddr) String() string  { return "gateway" }

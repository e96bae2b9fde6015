package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sbConn is one switchboard connection of a client.
type sbConn struct {
	*pconn
	cl     *client
	window chan struct{} // a token per unacknowledged MSG

	joined, bye       chan struct{}
	joinOnce, byeOnce sync.Once
	buf               []byte // payload scratch of the reader
	out               []byte // MSG scratch of the sender
	trid              int
	recv              atomic.Int64 // MSGs received
}

var sbPayloadVerbs = map[string]bool{"MSG": true}

func (cl *client) dialSB(ctx context.Context, addr string) (*sbConn, error) {
	nc, err := cl.r.dial(ctx, "SB", addr)
	if err != nil {
		return nil, &kindError{"SB connect", err}
	}
	return cl.newSB(nc), nil
}

// newSB wraps a switchboard connection and starts its reader.
func (cl *client) newSB(nc net.Conn) *sbConn {
	s := &sbConn{
		pconn: newPconn(nc, "SB", cl.r.cfg.Timeout), cl: cl,
		window: make(chan struct{}, cl.r.cfg.Window),
		joined: make(chan struct{}), bye: make(chan struct{}),
	}
	s.payloadVerbs = sbPayloadVerbs
	s.fast = s.fastLine
	s.push = s.pushLine
	go s.readLoop()
	return s
}

// fastLine handles the hot lines (MSG, ACK, NAK) without splitting them.
func (s *sbConn) fastLine(line []byte) (bool, error) {
	switch {
	case bytes.HasPrefix(line, []byte("MSG ")):
		i := bytes.LastIndexByte(line, ' ')
		n, err := strconv.Atoi(string(line[i+1:]))
		if err != nil || n < 0 || n > 1<<16 {
			return true, fmt.Errorf("bad MSG line %q", line)
		}
		p, err := s.br.ReadPayloadInto(s.buf, n)
		if err != nil {
			return true, err
		}
		s.buf = p
		s.cl.r.sawMessage(p)
		s.recv.Add(1)
		return true, nil
	case bytes.HasPrefix(line, []byte("ACK ")):
		s.release(false)
		return true, nil
	case bytes.HasPrefix(line, []byte("NAK ")):
		s.release(true)
		return true, nil
	}
	return false, nil
}

// release returns a window token for an ACK or NAK.
func (s *sbConn) release(nak bool) {
	select {
	case <-s.window:
	default:
		s.cl.r.m.fail("SB unexpected ACK", nil)
	}
	if nak && !s.peerGone() && !s.cl.r.stopping.Load() {
		s.cl.r.m.fail("SB NAK", fmt.Errorf("%s: message not delivered", s.cl.email))
	}
}

func (s *sbConn) peerGone() bool {
	select {
	case <-s.bye:
		return true
	default:
		return false
	}
}

func (s *sbConn) pushLine(f []string, _ []byte) {
	switch f[0] {
	case "JOI":
		s.joinOnce.Do(func() { close(s.joined) })
	case "BYE":
		s.byeOnce.Do(func() { close(s.bye) })
	case "IRO":
	default:
		if isErrorCode(f[0]) && !s.closing.Load() && !s.cl.r.stopping.Load() {
			s.cl.r.m.fail("SB late error "+f[0], fmt.Errorf("%s got %q", s.cl.email, strings.Join(f, " ")))
		}
	}
}

// msgHead is the MIME header of a timed text message; the body starts with
// the send time in unix nanoseconds.
const msgHead = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"

// send writes one acknowledged, timed message.
func (s *sbConn) send(size int) error {
	s.trid++
	b := s.out[:0]
	b = append(b, "MSG "...)
	b = strconv.AppendInt(b, int64(s.trid), 10)
	b = append(b, " A "...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, "\r\n"...)
	start := len(b)
	b = append(b, msgHead...)
	b = strconv.AppendInt(b, time.Now().UnixNano(), 10)
	b = append(b, ' ')
	for len(b)-start < size {
		b = append(b, 'x')
	}
	s.out = b
	return s.write(b)
}

// talk sends messages until limit (0: no limit), the peer leaves, the
// connection ends or ctx is done. It reports whether the session is still
// usable.
func (s *sbConn) talk(ctx context.Context, limit int) {
	cfg, m := s.cl.r.cfg, s.cl.r.m
	t := time.NewTimer(cfg.Timeout)
	defer t.Stop()
	var tick *time.Ticker
	if cfg.MessageInterval > 0 {
		tick = time.NewTicker(cfg.MessageInterval)
		defer tick.Stop()
	}
	for sent := 0; limit == 0 || sent < limit; sent++ {
		if tick != nil {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			case <-s.bye:
				return
			case <-s.done:
				s.lost()
				return
			}
		}
		t.Reset(cfg.Timeout)
		select {
		case s.window <- struct{}{}:
		case <-ctx.Done():
			return
		case <-s.bye:
			return
		case <-s.done:
			s.lost()
			return
		case <-t.C:
			m.fail("SB ACK timeout", fmt.Errorf("%s: %d messages unacknowledged for %s", s.cl.email, len(s.window), cfg.Timeout))
			return
		}
		if err := s.send(cfg.MessageSize); err != nil {
			if !s.cl.r.stopping.Load() {
				m.fail("SB MSG write", err)
			}
			return
		}
	}
}

func (s *sbConn) lost() {
	if !s.closing.Load() && !s.cl.r.stopping.Load() {
		s.cl.r.m.fail("SB closed", fmt.Errorf("%s: %v", s.cl.email, s.readErr))
	}
}

// openSession is the caller's side: XFR SB, USR, CAL, then wait for JOI.
func (cl *client) openSession(ctx context.Context, ns *pconn, callee *client) (*sbConn, error) {
	start := time.Now()
	rep, err := ns.call(ctx, "XFR", "SB", nil)
	if err != nil {
		return nil, err
	}
	if len(rep.f) < 6 || rep.f[2] != "SB" || rep.f[4] != "CKI" {
		return nil, &kindError{"NS XFR odd reply", fmt.Errorf("%q", strings.Join(rep.f, " "))}
	}
	s, err := cl.dialSB(ctx, rep.f[3])
	if err != nil {
		return nil, err
	}
	if _, err := s.call(ctx, "USR", cl.email+" "+rep.f[5], nil); err != nil {
		s.close(false)
		return nil, err
	}
	if _, err := s.call(ctx, "CAL", callee.email, nil); err != nil {
		s.close(false)
		return nil, err
	}
	t := time.NewTimer(cl.r.cfg.Timeout)
	defer t.Stop()
	select {
	case <-s.joined:
	case <-t.C:
		s.close(false)
		return nil, &kindError{"SB JOI timeout", fmt.Errorf("%s did not join %s's session", callee.email, cl.email)}
	case <-s.done:
		return nil, &kindError{"SB closed before JOI", fmt.Errorf("%v", s.readErr)}
	case <-ctx.Done():
		s.close(false)
		return nil, ctx.Err()
	}
	cl.r.m.sbSetup.Record(time.Since(start))
	cl.r.m.sessions.Add(1)
	return s, nil
}

// answer is the callee's side of a RNG: join, then talk until the caller
// leaves.
func (cl *client) answer(ctx context.Context, f []string) {
	s, err := cl.join(ctx, f)
	if err != nil {
		cl.r.fail(err)
		return
	}
	s.talk(ctx, 0)
	s.close(true)
}

// join connects to the switchboard a RNG names and answers it.
func (cl *client) join(ctx context.Context, f []string) (*sbConn, error) {
	// RNG session-id host:port CKI cookie inviter name U domain 1
	if len(f) < 5 {
		return nil, &kindError{"NS RNG odd", fmt.Errorf("%q", strings.Join(f, " "))}
	}
	s, err := cl.dialSB(ctx, f[2])
	if err != nil {
		return nil, err
	}
	if _, err := s.call(ctx, "ANS", cl.email+" "+f[4]+" "+f[1], nil); err != nil {
		s.close(false)
		return nil, err
	}
	return s, nil
}

// sawMessage times a delivered MSG by the send time in its body.
func (r *runner) sawMessage(p []byte) {
	r.m.messages.Add(1)
	i := bytes.Index(p, []byte("\r\n\r\n"))
	if i < 0 {
		return
	}
	body := p[i+4:]
	j := bytes.IndexByte(body, ' ')
	if j <= 0 {
		return
	}
	ts, err := strconv.ParseInt(string(body[:j]), 10, 64)
	if err != nil {
		return
	}
	r.m.message.Record(time.Duration(time.Now().UnixNano() - ts))
}

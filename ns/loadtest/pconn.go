package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"msnserver/ns/wire"
)

// pconn is one MSNP connection (NS or SB) seen from the client side: calls
// wait for the reply carrying their TrID, everything else goes to push.
type pconn struct {
	nc      net.Conn
	br      *wire.Reader
	timeout time.Duration
	what    string // "NS" or "SB", for error kinds

	wmu  sync.Mutex // tier 1 (leaf; lock order in ns/hub): one writer at a time; a client, so held across the write
	trid atomic.Uint32

	mu    sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	waits map[string]*waiter

	done    chan struct{} // closed when the reader stops
	readErr error         // why it stopped; set before done closes
	closing atomic.Bool   // we are ending it: EOF is expected

	// fast handles a line before generic parsing (hot paths); it reports
	// whether it consumed the line (and any payload).
	fast func(line []byte) (bool, error)
	// push receives unsolicited lines with their payload (if kept).
	push func(f []string, payload []byte)
	// payloadVerbs are the verbs whose numeric last field is a payload
	// length; keep says which payloads push wants to see.
	payloadVerbs map[string]bool
	keep         map[string]bool

	presenceOf string // NS reader: the user of the previous line if it was NLN or ILN
}

type waiter struct {
	verbs []string
	ch    chan reply
}

type reply struct {
	f       []string
	payload []byte
	err     error
}

// protoError is an MSNP error reply ("CODE TrID").
type protoError struct {
	what, verb, code string
}

func (e *protoError) Error() string {
	return fmt.Sprintf("%s %s answered error %s", e.what, e.verb, e.code)
}

// errTimeout and errClosed classify failed calls.
var (
	errTimeout = errors.New("no reply in time")
	errClosed  = errors.New("connection closed")
)

// callError names the verb a failed call was waiting for.
type callError struct {
	what, verb string
	err        error
}

func (e *callError) Error() string { return fmt.Sprintf("%s %s: %v", e.what, e.verb, e.err) }
func (e *callError) Unwrap() error { return e.err }

// errKind turns an error into a short category for the report.
func errKind(err error) string {
	var pe *protoError
	var ce *callError
	switch {
	case errors.As(err, &pe):
		return pe.what + " " + pe.verb + " error " + pe.code
	case errors.As(err, &ce) && errors.Is(err, errTimeout):
		return ce.what + " " + ce.verb + " timeout"
	case errors.As(err, &ce):
		return ce.what + " " + ce.verb + " closed"
	case errors.Is(err, errAuth):
		return "RST refused"
	}
	return "other"
}

func newPconn(nc net.Conn, what string, timeout time.Duration) *pconn {
	return &pconn{nc: nc, br: wire.NewReaderSize(nc, 4096), what: what, timeout: timeout, waits: map[string]*waiter{}, done: make(chan struct{})}
}

// write sends raw bytes; a write blocked longer than the timeout fails.
func (c *pconn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.nc.Write(b)
	return err
}

// nextTrID returns a fresh transaction id.
func (c *pconn) nextTrID() string { return strconv.FormatUint(uint64(c.trid.Add(1)), 10) }

// call sends "VERB trid args" (plus " len\r\npayload" when payload is not
// nil) and waits for a reply with that TrID whose verb is one of want
// (default: VERB) or an error code.
func (c *pconn) call(ctx context.Context, verb, args string, payload []byte, want ...string) (reply, error) {
	trid := c.nextTrID()
	if len(want) == 0 {
		want = []string{verb}
	}
	w := &waiter{verbs: want, ch: make(chan reply, 1)}
	c.mu.Lock()
	c.waits[trid] = w
	c.mu.Unlock()
	fields := []string{verb, trid}
	if args != "" {
		fields = append(fields, args)
	}
	var b []byte
	if payload != nil {
		b = wire.Payload(payload, fields...)
	} else {
		b = wire.Line(fields...)
	}
	if err := c.write(b); err != nil {
		c.drop(trid)
		return reply{}, &callError{c.what, verb, fmt.Errorf("%w: %v", errClosed, err)}
	}
	t := time.NewTimer(c.timeout)
	defer t.Stop()
	select {
	case r := <-w.ch:
		if r.err != nil {
			return r, r.err
		}
		return r, nil
	case <-c.done:
		// The reply may have raced the close.
		select {
		case r := <-w.ch:
			return r, r.err
		default:
		}
		return reply{}, &callError{c.what, verb, fmt.Errorf("%w: %v", errClosed, c.readErr)}
	case <-t.C:
		c.drop(trid)
		return reply{}, &callError{c.what, verb, errTimeout}
	case <-ctx.Done():
		c.drop(trid)
		return reply{}, ctx.Err()
	}
}

func (c *pconn) drop(trid string) {
	c.mu.Lock()
	delete(c.waits, trid)
	c.mu.Unlock()
}

// deliver hands a reply to the call waiting for f[1]; false if none waits
// or the verb is not what it waits for.
func (c *pconn) deliver(f []string, payload []byte) bool {
	if len(f) < 2 {
		return false
	}
	c.mu.Lock()
	w := c.waits[f[1]]
	ok := w != nil && (isErrorCode(f[0]) || contains(w.verbs, f[0]))
	if ok {
		delete(c.waits, f[1])
	}
	c.mu.Unlock()
	if !ok {
		return false
	}
	r := reply{f: f, payload: payload}
	if isErrorCode(f[0]) {
		r.err = &protoError{c.what, w.verbs[0], f[0]}
	}
	w.ch <- r
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readLoop reads until the connection ends.
func (c *pconn) readLoop() {
	defer close(c.done)
	for {
		if err := c.readOne(); err != nil {
			c.readErr = err
			return
		}
	}
}

func (c *pconn) readOne() error {
	line, err := c.br.ReadLine()
	if err != nil {
		return err
	}
	if c.fast != nil {
		if done, err := c.fast(line); done || err != nil {
			return err
		}
	}
	f := strings.Fields(string(line))
	if len(f) == 0 {
		return nil
	}
	var payload []byte
	if c.payloadVerbs[f[0]] {
		if n, ok := lastInt(f); ok {
			switch {
			case n > maxPayload:
				return fmt.Errorf("%s: payload of %d bytes", f[0], n)
			case c.keep[f[0]]:
				payload, err = c.br.ReadPayload(n)
			default:
				err = c.br.DiscardPayload(n)
			}
			if err != nil {
				return err
			}
		}
	}
	if c.deliver(f, payload) {
		return nil
	}
	c.push(f, payload)
	return nil
}

// close ends the connection, saying OUT first when polite.
func (c *pconn) close(polite bool) {
	c.closing.Store(true)
	if polite {
		c.wmu.Lock()
		c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(c.nc, "OUT\r\n")
		c.wmu.Unlock()
		// Give the server a moment to close first (it does after OUT).
		select {
		case <-c.done:
		case <-time.After(2 * time.Second):
		}
	}
	c.nc.Close()
	<-c.done
}

package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// ClientConn is the client's side of a gateway session as a net.Conn, for
// the load generator and tests: Write posts commands (the first Write opens
// the session, carrying them as Messenger does), Read returns what the
// answers brought and polls when nothing waits. It follows GW-IP and the
// SessionID of every answer and ends with io.EOF after Session=close.
type ClientConn struct {
	scheme, host    string // where requests go (host follows GW-IP)
	server, ip      string
	hc              *http.Client
	pollEvery       time.Duration
	remote, localAd net.Addr

	reqMu sync.Mutex // one request at a time, as the gateway requires

	mu        sync.Mutex
	buf       []byte
	sessionID string
	over      bool // Session=close seen
	closed    bool // Close called
	err       error
	rdl       time.Time
	wake      chan struct{}
	requests  int64
}

// ClientOptions configure Dial.
type ClientOptions struct {
	// HTTPClient sends the requests (default: a client with a 30 s timeout).
	HTTPClient *http.Client
	// PollEvery is the pause after an empty poll (default 2 s, as Messenger).
	PollEvery time.Duration
}

// Dial prepares a session with server ("NS" or "SB") through the gateway
// at baseURL (e.g. "http://gateway.messenger.hotmail.com"); ip is the
// address the client would have connected to. Nothing is sent before the
// first Write.
func Dial(baseURL, server, ip string, opts ClientOptions) (*ClientConn, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("gateway URL %q: want http://host[:port]", baseURL)
	}
	if server != "NS" && server != "SB" {
		return nil, fmt.Errorf("gateway server %q: want NS or SB", server)
	}
	c := &ClientConn{
		scheme: u.Scheme, host: u.Host, server: server, ip: ip,
		hc: opts.HTTPClient, pollEvery: opts.PollEvery, wake: make(chan struct{}),
		remote: gatewayAddr{}, localAd: gatewayAddr{},
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if c.pollEvery <= 0 {
		c.pollEvery = 2 * time.Second
	}
	return c, nil
}

// Requests counts the HTTP requests made so far (polls included).
func (c *ClientConn) Requests() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// SessionID is the current session (empty before the first Write).
func (c *ClientConn) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID
}

func (c *ClientConn) signal() {
	close(c.wake)
	c.wake = make(chan struct{})
}

// Write sends b as one request and keeps the answer for Read.
func (c *ClientConn) Write(b []byte) (int, error) {
	if err := c.do(b, false); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Read returns answered bytes, polling while none wait.
func (c *ClientConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		switch {
		case len(c.buf) > 0:
			n := copy(p, c.buf)
			if c.buf = c.buf[n:]; len(c.buf) == 0 {
				c.buf = nil
			}
			c.mu.Unlock()
			return n, nil
		case c.closed:
			c.mu.Unlock()
			return 0, net.ErrClosed
		case c.err != nil:
			err := c.err
			c.mu.Unlock()
			return 0, err
		case c.over:
			c.mu.Unlock()
			return 0, io.EOF
		case !c.rdl.IsZero() && !time.Now().Before(c.rdl):
			c.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		opened, wake, dl := c.sessionID != "", c.wake, c.rdl
		c.mu.Unlock()
		if opened {
			if err := c.do(nil, true); err != nil {
				return 0, err
			}
			c.mu.Lock()
			got := len(c.buf) > 0 || c.over
			wake = c.wake
			c.mu.Unlock()
			if got {
				continue
			}
		}
		// Nothing came: wait a poll interval, or for a Write's answer.
		pause := c.pollEvery
		if !dl.IsZero() {
			pause = min(pause, time.Until(dl))
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-wake:
		}
		t.Stop()
	}
}

// do sends one request: open (first), send (body) or poll (poll set).
func (c *ClientConn) do(body []byte, poll bool) error {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return net.ErrClosed
	case c.err != nil:
		err := c.err
		c.mu.Unlock()
		return err
	case c.over:
		c.mu.Unlock()
		return io.ErrClosedPipe
	}
	id, host := c.sessionID, c.host
	c.mu.Unlock()
	var q string
	switch {
	case id == "" && poll:
		return nil
	case id == "":
		q = "Action=open&Server=" + c.server + "&IP=" + url.QueryEscape(c.ip)
	case poll:
		q = "Action=poll&SessionID=" + url.QueryEscape(id)
	default:
		q = "SessionID=" + url.QueryEscape(id)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.scheme+"://"+host+Path+"?"+q, bytes.NewReader(body))
	if err != nil {
		return c.fail(err)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", "MSMSGS")
	req.Header.Set("Pragma", "no-cache")
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.fail(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return c.fail(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	if resp.StatusCode == http.StatusTooManyRequests && poll {
		return nil // polled too fast: Read pauses a poll interval and tries again
	}
	if resp.StatusCode != http.StatusOK {
		c.err = fmt.Errorf("gateway: HTTP %s: %s", resp.Status, strings.TrimSpace(string(data)))
		c.signal()
		return c.err
	}
	sid, gw, closing := ParseHeader(resp.Header.Get("X-MSN-Messenger"))
	if sid == "" && !closing {
		c.err = errors.New("gateway: answer without a SessionID")
		c.signal()
		return c.err
	}
	if sid != "" {
		c.sessionID = sid
	}
	if gw != "" {
		c.host = gw
	}
	c.over = c.over || closing
	c.buf = append(c.buf, data...)
	c.signal()
	return nil
}

func (c *ClientConn) fail(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
	c.signal()
	return err
}

// ParseHeader reads an X-MSN-Messenger header: "SessionID=…; GW-IP=…",
// with "Session=close" once the server side has ended.
func ParseHeader(v string) (sessionID, gwIP string, closing bool) {
	for _, part := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case strings.EqualFold(k, "SessionID"):
			sessionID = val
		case strings.EqualFold(k, "GW-IP"):
			gwIP = val
		case strings.EqualFold(k, "Session") && strings.EqualFold(val, "close"):
			closing = true
		}
	}
	return sessionID, gwIP, closing
}

// Close stops the client; the server ends the session after its idle
// timeout unless the client said OUT first.
func (c *ClientConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.signal()
	}
	return nil
}

func (c *ClientConn) LocalAddr() net.Addr  { return c.localAd }
func (c *ClientConn) RemoteAddr() net.Addr { return c.remote }

func (c *ClientConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

func (c *ClientConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl = t
	c.signal()
	return nil
}

// SetWriteDeadline is accepted and ignored: a Write is one HTTP request,
// bounded by the HTTP client's timeout.
func (c *ClientConn) SetWriteDeadline(time.Time) error { return nil }

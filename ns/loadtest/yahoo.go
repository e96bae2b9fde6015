package loadtest

import (
	"bufio"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"msnserver/ns/ymsg/packet"
)

// The yahoo scenario: odd clients are Yahoo! users on the YMSG pager, each
// writing to the WLM client before it (even) and changing its status; the
// WLM side times the messages as they arrive as UBM.

// yconn is one pager connection.
type yconn struct {
	nc      net.Conn
	br      *bufio.Reader
	session uint32
	done    chan struct{}
	readErr error
	kicked  bool
}

func (y *yconn) send(svc uint16, status uint32, kv ...any) error {
	b, err := packet.New(svc, status, y.session, kv...).Marshal()
	if err != nil {
		return err
	}
	y.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err = y.nc.Write(b)
	return err
}

// until reads packets until one of service svc arrives (login only).
func (y *yconn) until(svc uint16, timeout time.Duration) (*packet.Packet, error) {
	y.nc.SetReadDeadline(time.Now().Add(timeout))
	defer y.nc.SetReadDeadline(time.Time{})
	for {
		p, err := packet.Read(y.br, 1<<16)
		if err != nil {
			return nil, err
		}
		if p.Service == packet.SvcAuthResp && p.Status == packet.StatusFailure {
			return nil, fmt.Errorf("%w: AUTHRESP 66=%s", errAuth, p.Value(66))
		}
		if p.Service == svc {
			return p, nil
		}
	}
}

func (y *yconn) readLoop() {
	defer close(y.done)
	for {
		p, err := packet.Read(y.br, 1<<16)
		if err != nil {
			y.readErr = err
			return
		}
		if p.Service == packet.SvcLogoff && p.Status == packet.StatusFailure {
			y.kicked = true
		}
	}
}

func (y *yconn) close() {
	y.nc.Close()
	<-y.done
}

// yahooID is client n's Yahoo! ID.
func (cl *client) yahooID() string { return cl.r.cfg.YahooPrefix + strconv.Itoa(cl.n) }

// yahooGet fetches a token-service URL and returns the body.
func (cl *client) yahooGet(ctx context.Context, path string, q url.Values) (string, error) {
	u := strings.TrimSuffix(cl.r.cfg.HTTPURL, "/") + path + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := cl.r.tokens.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", path, resp.Status)
	}
	return string(b), nil
}

// yahooLogin runs the YMSG16 token login as libpurple 2.10.9 does and waits
// for LIST_15.
func (cl *client) yahooLogin(ctx context.Context) (*yconn, error) {
	cfg, m := cl.r.cfg, cl.r.m
	start := time.Now()
	d := net.Dialer{Timeout: cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", cfg.YMSGAddr)
	if err != nil {
		return nil, &kindError{"YMSG connect", err}
	}
	y := &yconn{nc: nc, br: bufio.NewReader(nc), done: make(chan struct{})}
	fail := func(kind string, err error) (*yconn, error) {
		nc.Close()
		return nil, &kindError{kind, err}
	}
	id := cl.yahooID()
	if err := y.send(packet.SvcAuth, 0, 1, id); err != nil {
		return fail("YMSG AUTH", err)
	}
	p, err := y.until(packet.SvcAuth, cfg.Timeout)
	if err != nil {
		return fail("YMSG AUTH", err)
	}
	chal := p.Value(94)
	t0 := time.Now()
	body, err := cl.yahooGet(ctx, "/config/pwtoken_get", url.Values{"src": {"ymsgr"}, "login": {id}, "passwd": {cfg.Password}, "chal": {chal}})
	if err != nil {
		return fail("pwtoken_get", err)
	}
	f := strings.Split(body, "\r\n")
	if len(f) < 2 || f[0] != "0" || !strings.HasPrefix(f[1], "ymsgr=") {
		return fail("pwtoken_get", fmt.Errorf("%w: %q", errAuth, body))
	}
	body, err = cl.yahooGet(ctx, "/config/pwtoken_login", url.Values{"src": {"ymsgr"}, "token": {f[1][6:]}})
	if err != nil {
		return fail("pwtoken_login", err)
	}
	var crumb, yc, tc string
	for _, l := range strings.Split(body, "\r\n") {
		switch {
		case strings.HasPrefix(l, "crumb="):
			crumb = l[6:]
		case strings.HasPrefix(l, "Y="):
			yc = l[2:]
		case strings.HasPrefix(l, "T="):
			tc = l[2:]
		}
	}
	if crumb == "" {
		return fail("pwtoken_login", fmt.Errorf("no crumb in %q", body))
	}
	m.rst.Record(time.Since(t0))
	sum := md5.Sum([]byte(crumb + chal))
	if err := y.send(packet.SvcAuthResp, 0, 1, id, 0, id, 277, yc, 278, tc, 307, packet.Y64(sum[:]),
		244, 4194239, 2, id, 2, 1, 98, "us", 135, "9.0.0.2162"); err != nil {
		return fail("YMSG AUTHRESP", err)
	}
	l, err := y.until(packet.SvcList, cfg.Timeout)
	if err != nil {
		return fail("YMSG AUTHRESP", err)
	}
	y.session = l.Session
	if _, err := y.until(packet.SvcList15, cfg.Timeout); err != nil {
		return fail("YMSG LIST_15", err)
	}
	go y.readLoop()
	m.login.Record(time.Since(start))
	m.logins.Add(1)
	m.lastLogin.Store(time.Now().UnixNano())
	m.goOnline()
	cl.onlineOnce.Do(func() { close(cl.online) })
	return y, nil
}

// yahooLife keeps a Yahoo user online, signing in again when the
// connection is lost, writing to partner and changing status.
func (cl *client) yahooLife(ctx context.Context, partner *client) {
	r := cl.r
	select {
	case <-partner.online:
	case <-ctx.Done():
		return
	}
	for ctx.Err() == nil {
		y, err := cl.yahooLogin(ctx)
		if err != nil {
			r.fail(err)
			sleep(ctx, time.Second)
			continue
		}
		lost := cl.yahooOnline(ctx, y, partner)
		y.close()
		r.m.online.Add(-1)
		if !lost {
			return
		}
	}
}

// yahooOnline runs until ctx ends (false) or the connection is lost (true).
func (cl *client) yahooOnline(ctx context.Context, y *yconn, partner *client) bool {
	r, cfg := cl.r, cl.r.cfg
	msg := time.NewTicker(cfg.MessageInterval)
	defer msg.Stop()
	change := time.NewTicker(cfg.ChangeInterval)
	defer change.Stop()
	keep := time.NewTicker(time.Minute) // lp's keep-alive
	defer keep.Stop()
	busy := false
	for {
		var err error
		select {
		case <-ctx.Done():
			return false
		case <-y.done:
			if !r.stopping.Load() {
				why := y.readErr
				if y.kicked {
					why = errors.New("signed on elsewhere (LOGOFF -1)")
				}
				r.m.fail("YMSG connection lost", why)
			}
			return true
		case <-keep.C:
			err = y.send(packet.SvcKeepAlive, 0, 0, cl.yahooID())
		case <-change.C:
			busy = !busy
			code := 0
			if busy {
				code = 2
			}
			err = y.send(packet.SvcStatusUpdate, 0, 10, code, 19, "", 47, code/2)
			r.m.changes.Add(1)
		case <-msg.C:
			seq := cl.nextSeq()
			cl.note(&cl.ym, seq, time.Now())
			err = y.send(packet.SvcMessage, 0x5A55AA56, 1, cl.yahooID(), 5, partner.email, 241, 2, 97, 1,
				14, "lt "+strconv.FormatUint(uint64(seq), 10))
		}
		if err != nil && !r.stopping.Load() {
			r.m.fail("YMSG write", err)
		}
	}
}

// sawYahooMessage times a UBM whose text is "lt <seq>" from a Yahoo client.
func (r *runner) sawYahooMessage(email string, payload []byte) {
	s := string(payload)
	i := strings.Index(s, "\r\n\r\nlt ")
	if i < 0 {
		return
	}
	seq, err := strconv.ParseUint(s[i+len("\r\n\r\nlt "):], 10, 32)
	if err != nil {
		return
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	n, err := strconv.Atoi(strings.TrimPrefix(local, strings.ToLower(r.cfg.YahooPrefix)))
	if err != nil || n-r.cfg.First < 0 || n-r.cfg.First >= len(r.clients) {
		return
	}
	owner := r.clients[n-r.cfg.First]
	if at, ok := owner.sentAt(&owner.ym, uint32(seq)); ok {
		r.m.message.Record(time.Duration(time.Now().UnixNano() - at))
		r.m.messages.Add(1)
	}
}

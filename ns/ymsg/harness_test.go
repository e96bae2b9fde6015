package ymsg_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"msnserver/ns"
	"msnserver/ns/hub"
	"msnserver/ns/msnptest"
	"msnserver/ns/ticket"
	"msnserver/ns/ymsg"
	"msnserver/ns/ymsg/packet"
	"msnserver/store"
	"msnserver/web"
	"msnserver/web/yahoo"
)

// readWait bounds waits that only end early on a failure (the MSN side
// uses the same bound through msnptest).
const readWait = msnptest.ReadWait

// stack is a whole server on loopback: store, hub, the MSNP notification
// server, the YMSG pager and the HTTP services with the Yahoo token login.
type stack struct {
	t       testing.TB
	st      *store.Store
	hub     *hub.Hub
	ns      *ns.Server
	ymsg    *ymsg.Server
	nsAddr  string
	yAddr   string
	web     *httptest.Server
	tickets *ticket.Signer
	bridged *fakeBridge
}

// fakeBridge stands in for the switchboard's bridge and records what it took.
type fakeBridge struct {
	mu    sync.Mutex
	calls []string
}

func (b *fakeBridge) DeliverToYahoo(from *hub.Session, to, kind string, payload []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, from.Email+"→"+to)
	return true
}

func logger() *slog.Logger {
	if os.Getenv("MSN_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newStack(t testing.TB) *stack {
	t.Helper()
	dir := t.TempDir()
	_, fuzzing := t.(*testing.F) // fuzz targets write per input: no fsync
	st, err := store.Open(dir, store.Options{NoSync: fuzzing, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ticket.LoadOrCreateKey(dir + "/ticket.key")
	if err != nil {
		t.Fatal(err)
	}
	tickets, _ := ticket.New(key)
	log := logger()
	s := &stack{t: t, st: st, tickets: tickets, bridged: &fakeBridge{}}
	s.hub = hub.New(st, log)
	s.hub.SetSwitchboardAddr("127.0.0.1:1864")
	s.hub.SetYahooBridge(ymsg.Bridge(s.bridged, s.hub))
	// Both servers park quiet connections at once, so every test also runs
	// the parked path.
	s.ns = ns.New(s.hub, st, tickets, log, ns.Options{ParkAfter: time.Millisecond})
	ysvc := yahoo.New(st, log, func() string { return "127.0.0.1" })
	s.ymsg = ymsg.New(s.hub, st, ysvc, log, ymsg.Options{TypingTimeout: time.Hour, ParkAfter: time.Millisecond})
	w := web.New(web.Deps{Store: st, Tickets: tickets, Notifier: s.hub, Log: log})
	ysvc.Mount(w)
	s.web = httptest.NewServer(w)
	nsLn, _ := net.Listen("tcp", "127.0.0.1:0")
	yLn, _ := net.Listen("tcp", "127.0.0.1:0")
	s.nsAddr, s.yAddr = nsLn.Addr().String(), yLn.Addr().String()
	go s.ns.Serve(nsLn)
	go s.ymsg.Serve(yLn)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.ymsg.Shutdown(ctx)
		s.ns.Shutdown(ctx)
		s.web.Close()
		st.Close()
	})
	return s
}

func (s *stack) addUser(email string, network int) *store.Account {
	s.t.Helper()
	a, err := s.st.CreateAccount(store.NewAccount{Email: email, Password: "secret1", Name: strings.Split(email, "@")[0], Network: network})
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// get fetches path?query from the HTTP services and returns the exact body.
func (s *stack) get(path string, q url.Values) string {
	s.t.Helper()
	resp, err := http.Get(s.web.URL + path + "?" + q.Encode())
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		s.t.Fatalf("%s: %s", path, resp.Status)
	}
	return string(b)
}

func (s *stack) tokenGet(login, pass string) string {
	return s.get("/config/pwtoken_get", url.Values{"src": {"ymsgr"}, "ts": {""}, "login": {login}, "passwd": {pass}, "chal": {"x"}})
}

func (s *stack) tokenLogin(tok string) string {
	return s.get("/config/pwtoken_login", url.Values{"src": {"ymsgr"}, "ts": {""}, "token": {tok}})
}

// cookies runs both token steps and returns crumb, Y and T as lp keeps them
// (Y and T with their "; path=…" tails).
func (s *stack) cookies(login string) (crumb, y, t string) {
	s.t.Helper()
	body := s.tokenGet(login, "secret1")
	lines := strings.Split(body, "\r\n")
	if len(lines) != 3 || lines[0] != "0" || !strings.HasPrefix(lines[1], "ymsgr=") {
		s.t.Fatalf("pwtoken_get: %q", body)
	}
	body = s.tokenLogin(lines[1][6:])
	for _, l := range strings.Split(body, "\r\n") {
		switch {
		case strings.HasPrefix(l, "crumb="):
			crumb = l[6:]
		case strings.HasPrefix(l, "Y="):
			y = l[2:]
		case strings.HasPrefix(l, "T="):
			t = l[2:]
		}
	}
	if crumb == "" || y == "" || t == "" {
		s.t.Fatalf("pwtoken_login: %q", body)
	}
	return
}

// yclient is a Yahoo! Messenger stand-in on one pager connection.
type yclient struct {
	t    testing.TB
	s    *stack
	id   string
	nc   net.Conn
	r    *bufio.Reader
	sess uint32
}

func (s *stack) ydial(id string) *yclient {
	s.t.Helper()
	nc, err := net.Dial("tcp", s.yAddr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { nc.Close() })
	return &yclient{t: s.t, s: s, id: id, nc: nc, r: bufio.NewReader(nc)}
}

func (c *yclient) send(svc uint16, status uint32, kv ...any) {
	c.t.Helper()
	p := packet.New(svc, status, c.sess, kv...)
	b, err := p.Marshal()
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("%s: send: %v", c.id, err)
	}
}

func (c *yclient) read() *packet.Packet {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	p, err := packet.Read(c.r, 1<<16)
	if err != nil {
		c.t.Fatalf("%s: read: %v", c.id, err)
	}
	return p
}

// expect reads the next packet and checks its service and status.
func (c *yclient) expect(svc uint16, status uint32) *packet.Packet {
	c.t.Helper()
	p := c.read()
	if p.Service != svc || p.Status != status {
		c.t.Fatalf("%s: got service 0x%X status %d %v; want 0x%X status %d", c.id, p.Service, p.Status, p.Pairs, svc, status)
	}
	return p
}

// waitFor reads packets until one of service svc satisfies ok.
func (c *yclient) waitFor(svc uint16, ok func(p *packet.Packet) bool) *packet.Packet {
	c.t.Helper()
	for {
		p := c.read()
		if p.Service == svc && (ok == nil || ok(p)) {
			return p
		}
	}
}

func (c *yclient) expectClosed() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	for {
		if _, err := packet.Read(c.r, 1<<16); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.t.Fatalf("%s: still open", c.id)
			}
			return
		}
	}
}

// pairs renders a packet's pairs as "k=v k=v" for exact comparisons.
func pairs(p *packet.Packet) string {
	var b strings.Builder
	for i, kv := range p.Pairs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d=%s", kv.Key, kv.Value)
	}
	return b.String()
}

func (c *yclient) expectPairs(svc uint16, status uint32, want string) *packet.Packet {
	c.t.Helper()
	p := c.expect(svc, status)
	if got := pairs(p); got != want {
		c.t.Fatalf("%s: service 0x%X pairs\n got %s\nwant %s", c.id, svc, got, want)
	}
	return p
}

// auth sends AUTH and returns the challenge.
func (c *yclient) auth() string {
	c.t.Helper()
	c.send(packet.SvcAuth, 0, 1, c.id)
	p := c.expect(packet.SvcAuth, packet.StatusServerAck)
	if p.Session == 0 || p.Value(1) != c.id || p.Value(13) != "2" || len(p.Value(94)) < 24 {
		c.t.Fatalf("AUTH reply: %v sid %d", p.Pairs, p.Session)
	}
	return p.Value(94)
}

func proof(crumb, chal string) string {
	sum := md5.Sum([]byte(crumb + chal))
	return packet.Y64(sum[:])
}

func (c *yclient) authResp(status uint32, y, t, p307 string) {
	c.send(packet.SvcAuthResp, status, 1, c.id, 0, c.id, 277, y, 278, t, 307, p307, 244, 4194239, 2, c.id, 2, 1, 98, "us", 135, "9.0.0.2162")
}

// login signs in over the pager as lp 2.10.9 does and reads LIST; the
// caller reads LIST_15 and what follows.
func (s *stack) ylogin(id string, status uint32) *yclient {
	s.t.Helper()
	c := s.ydial(id)
	chal := c.auth()
	crumb, y, t := s.cookies(id)
	c.authResp(status, y, t, proof(crumb, chal))
	p := c.expect(packet.SvcList, packet.StatusDefault)
	if p.Value(89) != id || len(p.All(59)) != 3 {
		s.t.Fatalf("LIST: %v", p.Pairs)
	}
	c.sess = p.Session
	return c
}

// burst reads LIST_15 and PING and returns LIST_15's pairs.
func (c *yclient) burst() string {
	c.t.Helper()
	l := c.expect(packet.SvcList15, packet.StatusDefault)
	c.expectPairs(packet.SvcPing, packet.StatusServerAck, "143=60 144=1")
	return pairs(l)
}

// mclient is a Windows Live Messenger 8 stand-in on one NS connection.
type mclient struct {
	*msnptest.Client
	trid int
}

func (m *mclient) next() string { m.trid++; return strconv.Itoa(m.trid) }

// msnLogin signs a WLM user in (ticket issued directly: the RST service has
// its own tests), sets BLP AL, its contacts and NLN.
func (s *stack) msnLogin(a *store.Account) *mclient {
	s.t.Helper()
	m := &mclient{Client: msnptest.Dial(s.t, s.nsAddr, a.Email)}
	m.Send("VER 1 MSNP14 CVR0")
	m.Until("VER 1")
	m.Send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs " + a.Email)
	m.Until("CVR 2")
	m.Send("USR 3 TWN I " + a.Email)
	m.Until("USR 3 TWN S")
	m.Send("USR 4 TWN S t=" + s.tickets.Issue(a.ID) + "&p=")
	m.Until("USR 4 OK")
	m.Until("MSG Hotmail Hotmail")
	m.Send("BLP 5 AL")
	m.Until("BLP 5")
	m.SendPayload("ADL 6", `<ml l="1"></ml>`)
	m.Until("ADL 6 OK")
	m.Send("CHG 7 NLN 1342177280 0")
	m.Until("CHG 7")
	m.trid = 7
	return m
}

var _ = bytes.Equal

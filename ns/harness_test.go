package ns

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"msnserver/ns/challenge"
	"msnserver/ns/hub"
	"msnserver/ns/ticket"
	"msnserver/store"
	"msnserver/web"
)

// testServer is a notification server on 127.0.0.1:0 with a real store, hub
// and token service, as the transcript tests talk to it.
type testServer struct {
	t       testing.TB
	dir     string
	store   *store.Store
	hub     *hub.Hub
	srv     *Server
	addr    string
	web     *httptest.Server
	tickets *ticket.Signer
	// sockBuf, when set, fixes the kernel buffers of the sockets dialled
	// from then on (client receive side) and of the server's side of them
	// (send side), so that a test about a full queue does not depend on how
	// much the host's loopback buffers can absorb.
	sockBuf atomic.Int32
}

// fixedBufListener sets the send buffer of accepted connections to the
// test server's sockBuf, when that is set.
type fixedBufListener struct {
	net.Listener
	ts *testServer
}

func (l fixedBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if n := l.ts.sockBuf.Load(); err == nil && n > 0 {
		if err := c.(*net.TCPConn).SetWriteBuffer(int(n)); err != nil {
			l.ts.t.Errorf("SO_SNDBUF: %v", err)
		}
	}
	return c, err
}

// readWait bounds a wait for a line the test expects: it only ends early
// on a failure, so it is long enough for a busy machine.
const readWait = 30 * time.Second

func init() {
	panicHook = func(v any) { panic(fmt.Sprintf("recovered panic in a connection: %v", v)) }
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("MSN_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.open(opts)
	return ts
}

func (ts *testServer) open(opts Options) {
	t := ts.t
	_, fuzzing := t.(*testing.F) // fuzz targets write per input: no fsync
	st, err := store.Open(ts.dir, store.Options{NoSync: fuzzing, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	ts.store = st
	key, err := ticket.LoadOrCreateKey(ts.dir + "/ticket.key")
	if err != nil {
		t.Fatal(err)
	}
	ts.tickets, _ = ticket.New(key)
	log := testLogger(t)
	ts.hub = hub.New(st, log)
	ts.hub.SetSwitchboardAddr("127.0.0.1:1864")
	ts.srv = New(ts.hub, st, ts.tickets, log, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	go ts.srv.Serve(fixedBufListener{ln, ts})
	ts.web = httptest.NewServer(web.New(web.Deps{Store: st, Tickets: ts.tickets, Notifier: ts.hub, Log: log}))
	t.Cleanup(ts.close)
}

func (ts *testServer) close() {
	if ts.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ts.srv.Shutdown(ctx)
	ts.web.Close()
	ts.store.Close()
	ts.srv = nil
}

// restart stops everything and opens the same data folder again.
func (ts *testServer) restart(opts Options) {
	ts.close()
	ts.open(opts)
}

func (ts *testServer) addUser(email, password, name string, network int) *store.Account {
	a, err := ts.store.CreateAccount(store.NewAccount{Email: email, Password: password, Name: name, Network: network})
	if err != nil {
		ts.t.Fatal(err)
	}
	return a
}

// rst asks the token service for the messenger.msn.com ticket.
func (ts *testServer) rst(email, password string) (string, string) {
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust"><Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>%s</wsse:Username><wsse:Password>%s</wsse:Password></wsse:UsernameToken></wsse:Security></Header><Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS"><wst:RequestSecurityToken Id="RST0"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>http://Passport.NET/tb</wsa:Address></wsa:EndpointReference></wsp:AppliesTo></wst:RequestSecurityToken><wst:RequestSecurityToken Id="RST1"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>messenger.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="?id=507"></wsse:PolicyReference></wst:RequestSecurityToken></ps:RequestMultipleSecurityTokens></Body></Envelope>`, html.EscapeString(email), html.EscapeString(password))
	resp, err := http.Post(ts.web.URL+"/RST.srf", "text/xml", strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`<wsse:BinarySecurityToken Id="Compact1">t=([^&<]+)&amp;p=</wsse:BinarySecurityToken>`).FindSubmatch(data)
	if m == nil {
		return "", string(data)
	}
	return "t=" + string(m[1]) + "&p=", string(data)
}

// client is a test MSNP client: send lines, expect exact replies.
type client struct {
	t    testing.TB
	nc   net.Conn
	r    *bufio.Reader
	ts   *testServer
	trid int
	name string
}

func (ts *testServer) dial(name string) *client {
	ts.t.Helper()
	var d net.Dialer
	if n := int(ts.sockBuf.Load()); n > 0 {
		// Before connect, so the advertised window is small from the start.
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = setRcvBuf(fd, n)
			})
			return errors.Join(err, serr)
		}
	}
	nc, err := d.Dial("tcp", ts.addr)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { nc.Close() })
	return &client{t: ts.t, nc: nc, r: bufio.NewReader(nc), ts: ts, name: name}
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, line+"\r\n"); err != nil {
		c.t.Fatalf("%s: send %q: %v", c.name, line, err)
	}
}

func (c *client) sendPayload(line string, payload string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, line+" "+strconv.Itoa(len(payload))+"\r\n"+payload); err != nil {
		c.t.Fatalf("%s: send %q: %v", c.name, line, err)
	}
}

// readLine returns the next line without CRLF.
func (c *client) readLine() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("%s: read: %v (partial %q)", c.name, err, line)
	}
	if !strings.HasSuffix(line, "\r\n") {
		c.t.Fatalf("%s: line without CRLF: %q", c.name, line)
	}
	return strings.TrimSuffix(line, "\r\n")
}

func (c *client) readPayload(n int) string {
	c.t.Helper()
	buf := make([]byte, n)
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	if _, err := io.ReadFull(c.r, buf); err != nil {
		c.t.Fatalf("%s: read payload: %v", c.name, err)
	}
	return string(buf)
}

// expect reads the next line and compares it exactly.
func (c *client) expect(want string) {
	c.t.Helper()
	if got := c.readLine(); got != want {
		c.t.Fatalf("%s:\n got %q\nwant %q", c.name, got, want)
	}
}

// expectRe reads the next line and matches it against a regular expression.
func (c *client) expectRe(pattern string) []string {
	c.t.Helper()
	got := c.readLine()
	m := regexp.MustCompile("^" + pattern + "$").FindStringSubmatch(got)
	if m == nil {
		c.t.Fatalf("%s:\n got %q\nwant /%s/", c.name, got, pattern)
	}
	return m
}

// expectPayload reads "line len" and the payload, comparing both exactly.
func (c *client) expectPayload(line, payload string) {
	c.t.Helper()
	c.expect(fmt.Sprintf("%s %d", line, len(payload)))
	if got := c.readPayload(len(payload)); got != payload {
		c.t.Fatalf("%s: payload\n got %q\nwant %q", c.name, got, payload)
	}
}

// readPayloadCmd reads a payload command line and its payload.
func (c *client) readPayloadCmd() (string, string) {
	c.t.Helper()
	line := c.readLine()
	f := strings.Fields(line)
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		c.t.Fatalf("%s: not a payload command: %q", c.name, line)
	}
	return line, c.readPayload(n)
}

// expectClosed waits for the server to close the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	rest, err := io.ReadAll(c.r)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		c.t.Fatalf("%s: not closed: %v (read %q)", c.name, err, rest)
	}
	if len(rest) > 0 {
		c.t.Fatalf("%s: unexpected data before close: %q", c.name, rest)
	}
}

// barrier sends PNG and returns every line that arrived before QNG.
func (c *client) barrier() []string {
	c.t.Helper()
	c.send("PNG")
	var got []string
	for {
		line := c.readLine()
		if line == "QNG 50" {
			return got
		}
		got = append(got, line)
		if f := strings.Fields(line); len(f) > 1 {
			switch f[0] {
			case "UBX", "MSG", "NOT", "ADL", "RML", "GCF", "UBM", "UBN":
				n, _ := strconv.Atoi(f[len(f)-1])
				got = append(got, c.readPayload(n))
			}
		}
	}
}

// login runs the WLM 8 sequence up to the profile MSG and returns the session.
func (ts *testServer) login(email, password string) *client {
	ts.t.Helper()
	c := ts.dial(strings.Split(email, "@")[0])
	c.send("VER 1 MSNP14 MSNP13 CVR0")
	c.expect("VER 1 MSNP14")
	c.send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs " + email)
	c.expect("CVR 2 8.0.0787 8.0.0787 8.0.0787 http://127.0.0.1/download http://127.0.0.1/")
	c.send("USR 3 TWN I " + email)
	c.expectRe(`USR 3 TWN S ct=\d+,rver=5\.5\.4177\.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507,ru=http://messenger\.msn\.com,tw=0,kpp=1,kv=4,ver=2\.1\.6000\.1,rn=[A-Za-z0-9]{8},tpf=[0-9a-f]{32}`)
	c.expectPayload("GCF 0", DefaultPolicy)
	tk, body := ts.rst(email, password)
	if tk == "" {
		ts.t.Fatalf("RST failed: %s", body)
	}
	c.send("USR 4 TWN S " + tk)
	c.expect("USR 4 OK " + strings.ToLower(email) + " 1 0")
	c.expect("SBS 0 null")
	line, _ := c.readPayloadCmd()
	if !strings.HasPrefix(line, "MSG Hotmail Hotmail ") {
		ts.t.Fatalf("profile: %q", line)
	}
	c.trid = 4
	return c
}

// online finishes a login: BLP, initial ADL with the given contacts, PRP, CHG NLN, UUX.
func (c *client) online(contacts ...string) {
	c.t.Helper()
	c.send("BLP 5 AL")
	c.expect("BLP 5 AL")
	c.sendPayload("ADL 6", initialML(contacts...))
	c.expect("ADL 6 OK")
	c.send("CHG 7 NLN 1611513916 0")
	c.expect("CHG 7 NLN 1611513916 0")
	c.trid = 7
}

func (c *client) next() string {
	c.trid++
	return strconv.Itoa(c.trid)
}

func initialML(contacts ...string) string {
	var b bytes.Buffer
	b.WriteString(`<ml l="1">`)
	for _, e := range contacts {
		at := strings.IndexByte(e, '@')
		fmt.Fprintf(&b, `<d n="%s"><c n="%s" l="3" t="1" /></d>`, e[at+1:], e[:at])
	}
	b.WriteString(`</ml>`)
	return b.String()
}

var _ = challenge.Response

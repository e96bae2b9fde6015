package ns

import (
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
	"msnserver/ns/msnptest"
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
	if opts.ParkAfter == 0 {
		// Park signed-in connections as soon as they are quiet, so every
		// test also runs the parked path (listen.Parking): a wait on a
		// small goroutine between nearly all commands.
		opts.ParkAfter = time.Millisecond
	}
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

// client is the shared test client on an NS connection, with the TrID
// counter the transcripts continue from.
type client struct {
	*msnptest.Client
	ts   *testServer
	trid int
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
	return &client{Client: msnptest.New(ts.t, nc, name), ts: ts}
}

// login runs the WLM 8 sequence up to the profile MSG and returns the session.
func (ts *testServer) login(email, password string) *client {
	ts.t.Helper()
	c := ts.dial(strings.Split(email, "@")[0])
	c.Send("VER 1 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP14")
	c.Send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs " + email)
	c.Expect("CVR 2 8.0.0787 8.0.0787 8.0.0787 http://127.0.0.1/download http://127.0.0.1/")
	c.Send("USR 3 TWN I " + email)
	c.ExpectRe(`USR 3 TWN S ct=\d+,rver=5\.5\.4177\.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507,ru=http://messenger\.msn\.com,tw=0,kpp=1,kv=4,ver=2\.1\.6000\.1,rn=[A-Za-z0-9]{8},tpf=[0-9a-f]{32}`)
	c.ExpectPayload("GCF 0", DefaultPolicy)
	tk, body := ts.rst(email, password)
	if tk == "" {
		ts.t.Fatalf("RST failed: %s", body)
	}
	c.Send("USR 4 TWN S " + tk)
	c.Expect("USR 4 OK " + strings.ToLower(email) + " 1 0")
	c.Expect("SBS 0 null")
	line, _ := c.ReadPayloadCmd()
	if !strings.HasPrefix(line, "MSG Hotmail Hotmail ") {
		ts.t.Fatalf("profile: %q", line)
	}
	c.trid = 4
	return c
}

// online finishes a login: BLP, initial ADL with the given contacts, PRP, CHG NLN, UUX.
func (c *client) online(contacts ...string) {
	c.T.Helper()
	c.Send("BLP 5 AL")
	c.Expect("BLP 5 AL")
	c.SendPayload("ADL 6", initialML(contacts...))
	c.Expect("ADL 6 OK")
	c.Send("CHG 7 NLN 1611513916 0")
	c.Expect("CHG 7 NLN 1611513916 0")
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

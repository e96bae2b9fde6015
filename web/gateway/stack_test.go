package gateway_test

// End-to-end transcripts: the real store, hub, token service, NS and SB,
// with a gateway client and a TCP client side by side. (Only this test
// imports ns and sb; the gateway package itself never does.)

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"msnserver/ns"
	"msnserver/ns/hub"
	"msnserver/ns/msnptest"
	"msnserver/ns/ticket"
	"msnserver/sb"
	"msnserver/store"
	"msnserver/web"
	"msnserver/web/gateway"
)

type stack struct {
	t      *testing.T
	store  *store.Store
	hub    *hub.Hub
	gw     *gateway.Gateway
	web    *httptest.Server
	nsAddr string
	sbAddr string
}

func startStack(t *testing.T, gwOpts gateway.Options) *stack {
	t.Helper()
	dir := t.TempDir()
	var log *slog.Logger
	if os.Getenv("MSN_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		log = slog.New(slog.DiscardHandler)
	}
	st, err := store.Open(dir, store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ticket.LoadOrCreateKey(dir + "/ticket.key")
	if err != nil {
		t.Fatal(err)
	}
	tickets, _ := ticket.New(key)
	nsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New(st, log)
	h.SetSwitchboardAddr(sbLn.Addr().String())
	webSrv := web.New(web.Deps{Store: st, Tickets: tickets, Notifier: h, Log: log})
	nsSrv := ns.New(h, st, tickets, log, ns.Options{})
	sbSrv := sb.New(h, log, sb.Options{})
	h.OnKick(func(s *hub.Session) { sbSrv.Disconnect(s) })
	if gwOpts.PollsPerSecond == 0 {
		gwOpts.PollsPerSecond = 1000 // the test clients poll every few milliseconds
	}
	gw := gateway.New(log, gwOpts)
	webSrv.Handle(gateway.Path, gw)
	httpSrv := httptest.NewServer(webSrv)

	for _, serve := range []func() error{
		func() error { return nsSrv.Serve(nsLn) },
		func() error { return nsSrv.Serve(gw.NSListener()) },
		func() error { return sbSrv.Serve(sbLn) },
		func() error { return sbSrv.Serve(gw.SBListener()) },
	} {
		go func() {
			if err := serve(); err != nil {
				t.Errorf("serve: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		nsSrv.Shutdown(ctx)
		sbSrv.Shutdown(ctx)
		httpSrv.Close()
		gw.Close()
		st.Close()
	})
	return &stack{t: t, store: st, hub: h, gw: gw, web: httpSrv, nsAddr: nsLn.Addr().String(), sbAddr: sbLn.Addr().String()}
}

func (s *stack) addUser(email, name string) {
	if _, err := s.store.CreateAccount(store.NewAccount{Email: email, Password: "pw", Name: name, Network: 1}); err != nil {
		s.t.Fatal(err)
	}
}

// rst asks the token service (plain HTTP, as the gateway) for the ticket.
func (s *stack) rst(email string) string {
	s.t.Helper()
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust"><Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>%s</wsse:Username><wsse:Password>pw</wsse:Password></wsse:UsernameToken></wsse:Security></Header><Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS"><wst:RequestSecurityToken Id="RST0"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>http://Passport.NET/tb</wsa:Address></wsa:EndpointReference></wsp:AppliesTo></wst:RequestSecurityToken><wst:RequestSecurityToken Id="RST1"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>messenger.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="?id=507"></wsse:PolicyReference></wst:RequestSecurityToken></ps:RequestMultipleSecurityTokens></Body></Envelope>`, html.EscapeString(email))
	resp, err := http.Post(s.web.URL+"/RST.srf", "text/xml", strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`<wsse:BinarySecurityToken Id="Compact1">t=([^&<]+)&amp;p=</wsse:BinarySecurityToken>`).FindSubmatch(data)
	if m == nil {
		s.t.Fatalf("RST: %s", data)
	}
	return "t=" + string(m[1]) + "&p="
}

// client speaks MSNP over TCP or through the gateway.
type client struct{ *msnptest.Client }

func (s *stack) dialTCP(name, addr string) *client {
	s.t.Helper()
	return &client{msnptest.Dial(s.t, addr, name)}
}

func (s *stack) dialGateway(name, server, ip string) *client {
	s.t.Helper()
	c, err := gateway.Dial(s.web.URL, server, ip, gateway.ClientOptions{PollEvery: 5 * time.Millisecond})
	if err != nil {
		s.t.Fatal(err)
	}
	return &client{msnptest.New(s.t, c, name)}
}

// skipRe skips to the line starting with prefix and matches it.
func (c *client) skipRe(prefix, pattern string) []string {
	c.T.Helper()
	got := c.Until(prefix)
	m := regexp.MustCompile("^" + pattern + "$").FindStringSubmatch(got)
	if m == nil {
		c.T.Fatalf("%s:\n got %q\nwant /%s/", c.Name, got, pattern)
	}
	return m
}

// login runs WLM 8's sequence to CHG NLN with contact on the forward and
// allow lists; the profile's ClientIP/ClientPort are returned.
func (s *stack) login(c *client, email, contact string) (clientIP, clientPort string) {
	s.t.Helper()
	c.Send("VER 1 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP14")
	c.Send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs " + email)
	c.ExpectRe(`CVR 2 8\.0\.0787 .*`)
	c.Send("USR 3 TWN I " + email)
	c.ExpectRe(`USR 3 TWN S .*`)
	c.ReadPayloadCmd() // GCF
	c.Send("USR 4 TWN S " + s.rst(email))
	c.Expect("USR 4 OK " + email + " 1 0")
	c.Expect("SBS 0 null")
	line, profile := c.ReadPayloadCmd()
	if !strings.HasPrefix(line, "MSG Hotmail Hotmail ") {
		s.t.Fatalf("profile: %q", line)
	}
	clientIP = regexp.MustCompile(`ClientIP: (\S+)\r\n`).FindStringSubmatch(profile)[1]
	clientPort = regexp.MustCompile(`ClientPort: (\S+)\r\n`).FindStringSubmatch(profile)[1]
	c.Send("BLP 5 AL")
	c.Expect("BLP 5 AL")
	// An incremental ADL stores the contact: the server watches for a session
	// only the contacts its stored address book holds.
	at := strings.IndexByte(contact, '@')
	c.SendPayload("ADL 6", `<ml><d n="`+contact[at+1:]+`"><c n="`+contact[:at]+`" l="3" t="1" /></d></ml>`)
	c.Expect("ADL 6 OK")
	c.Send("CHG 7 NLN 1611513916 0")
	c.Expect("CHG 7 NLN 1611513916 0")
	return clientIP, clientPort
}

// A gateway client signs in, sees and is seen by a TCP client, and chats
// with it both ways in switchboards that go through the gateway.
func TestGatewayClientSignsInAndChats(t *testing.T) {
	s := startStack(t, gateway.Options{})
	s.addUser("alice@hotmail.com", "Alice")
	s.addUser("bob@hotmail.com", "Bob")

	bob := s.dialTCP("bob", s.nsAddr)
	s.login(bob, "bob@hotmail.com", "alice@hotmail.com")

	alice := s.dialGateway("alice", "NS", "messenger.hotmail.com")
	ip, port := s.login(alice, "alice@hotmail.com", "bob@hotmail.com")
	if ip != "127.0.0.1" || port == "0" {
		t.Fatalf("profile ClientIP %q ClientPort %q: want the HTTP client's", ip, port)
	}
	// Alice sees Bob online; Bob sees Alice arrive.
	alice.Expect("ILN 7 NLN bob@hotmail.com 1 Bob 1611513916 0")
	bob.Until("NLN NLN alice@hotmail.com 1 Alice 1611513916 0")

	// Alice starts a chat: XFR SB says "only via the gateway" (0) to her.
	alice.Send("XFR 8 SB")
	m := alice.skipRe("XFR 8 ", `XFR 8 SB (\S+) CKI (\S+) U messenger\.msn\.com 0`)
	if m[1] != s.sbAddr {
		t.Fatalf("XFR address %q, want %q", m[1], s.sbAddr)
	}
	aliceSB := s.dialGateway("alice-sb", "SB", m[1])
	aliceSB.Send("USR 1 alice@hotmail.com " + m[2])
	aliceSB.Expect("USR 1 OK alice@hotmail.com Alice")
	aliceSB.Send("CAL 2 bob@hotmail.com")
	sid := aliceSB.ExpectRe(`CAL 2 RINGING (\d+)`)[1]
	// Bob, on TCP, is rung with direct-connect 1 and answers over TCP.
	rng := regexp.MustCompile(`^RNG ` + sid + ` (\S+) CKI (\S+) alice@hotmail\.com Alice U messenger\.hotmail\.com 1$`).FindStringSubmatch(bob.Until("RNG "))
	if rng == nil {
		t.Fatal("bob's RNG does not match")
	}
	bobSB := s.dialTCP("bob-sb", rng[1])
	bobSB.Send("ANS 1 bob@hotmail.com " + rng[2] + " " + sid)
	bobSB.ExpectRe(`IRO 1 1 1 alice@hotmail\.com Alice \d+`)
	bobSB.Expect("ANS 1 OK")
	aliceSB.ExpectRe(`JOI bob@hotmail\.com Bob \d+`)

	msg := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello through the gateway"
	aliceSB.SendPayload("MSG 3 A", msg)
	aliceSB.Expect("ACK 3")
	bobSB.ExpectPayload("MSG alice@hotmail.com Alice", msg)
	reply := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nand back over TCP"
	bobSB.SendPayload("MSG 2 A", reply)
	bobSB.Expect("ACK 2")
	aliceSB.ExpectPayload("MSG bob@hotmail.com Bob", reply)

	// Bob calls Alice: her RNG says 0, and she answers through the gateway.
	bob.Send("XFR 9 SB")
	m = bob.skipRe("XFR 9 ", `XFR 9 SB (\S+) CKI (\S+) U messenger\.msn\.com 1`)
	bobSB2 := s.dialTCP("bob-sb2", m[1])
	bobSB2.Send("USR 1 bob@hotmail.com " + m[2])
	bobSB2.Expect("USR 1 OK bob@hotmail.com Bob")
	bobSB2.Send("CAL 2 alice@hotmail.com")
	sid2 := bobSB2.ExpectRe(`CAL 2 RINGING (\d+)`)[1]
	rng = regexp.MustCompile(`^RNG ` + sid2 + ` (\S+) CKI (\S+) bob@hotmail\.com Bob U messenger\.hotmail\.com 0$`).FindStringSubmatch(alice.Until("RNG "))
	if rng == nil {
		t.Fatal("alice's RNG does not match")
	}
	aliceSB2 := s.dialGateway("alice-sb2", "SB", rng[1])
	aliceSB2.Send("ANS 1 alice@hotmail.com " + rng[2] + " " + sid2)
	aliceSB2.ExpectRe(`IRO 1 1 1 bob@hotmail\.com Bob \d+`)
	aliceSB2.Expect("ANS 1 OK")
	bobSB2.ExpectRe(`JOI alice@hotmail\.com Alice \d+`)
	bobSB2.SendPayload("MSG 3 N", msg)
	aliceSB2.ExpectPayload("MSG bob@hotmail.com Bob", msg)
	aliceSB2.Send("OUT")
	aliceSB2.ExpectClosed()
	bobSB2.Expect("BYE alice@hotmail.com")

	// Signing out through the gateway: Bob sees FLN, the session closes.
	alice.Send("OUT")
	alice.ExpectClosed()
	bob.Until("FLN alice@hotmail.com 1 0")
}

// A second sign-in elsewhere kicks the gateway session: OUT OTH, then
// Session=close; its ID is unknown afterwards.
func TestGatewayClientKickedByDoubleLogin(t *testing.T) {
	s := startStack(t, gateway.Options{})
	s.addUser("alice@hotmail.com", "Alice")
	s.addUser("bob@hotmail.com", "Bob")
	alice := s.dialGateway("alice", "NS", "messenger.hotmail.com")
	s.login(alice, "alice@hotmail.com", "bob@hotmail.com")
	id := alice.Conn.(*gateway.ClientConn).SessionID()

	again := s.dialTCP("alice-tcp", s.nsAddr)
	s.login(again, "alice@hotmail.com", "bob@hotmail.com")
	alice.Expect("OUT OTH")
	alice.ExpectClosed()

	resp, err := http.Post(s.web.URL+gateway.Path+"?Action=poll&SessionID="+id, gateway.ContentType, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "unknown or expired SessionID") {
		t.Fatalf("poll after the kick: %d %q", resp.StatusCode, body)
	}
}

// A gateway client that stops polling times out, and its contacts see it
// go offline as after a dropped TCP connection.
func TestGatewayClientTimesOutWhenItStopsPolling(t *testing.T) {
	s := startStack(t, gateway.Options{IdleTimeout: 2 * time.Second})
	s.addUser("alice@hotmail.com", "Alice")
	s.addUser("bob@hotmail.com", "Bob")
	bob := s.dialTCP("bob", s.nsAddr)
	s.login(bob, "bob@hotmail.com", "alice@hotmail.com")
	alice := s.dialGateway("alice", "NS", "messenger.hotmail.com")
	s.login(alice, "alice@hotmail.com", "bob@hotmail.com")
	bob.Until("NLN NLN alice@hotmail.com")
	alice.Conn.Close() // stops polling, says nothing
	bob.Until("FLN alice@hotmail.com 1 0")
	if s.hub.Lookup("alice@hotmail.com") != nil {
		t.Fatal("alice is still online")
	}
	if s.gw.Expired.Load() != 1 {
		t.Fatalf("expired %d sessions, want 1", s.gw.Expired.Load())
	}
}

package backend_test

import (
	"bufio"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// msnClient is a Windows Live Messenger 8 stand-in on one NS connection.
type msnClient struct {
	t     *testing.T
	email string
	nc    net.Conn
	r     *bufio.Reader
}

// payloadCommands carry a length as their last argument and a body after it.
var payloadCommands = map[string]bool{"MSG": true, "NOT": true, "GCF": true, "UBX": true, "ADL": true, "RML": true, "UBN": true, "UBM": true, "IPG": true}

// readWait bounds a wait for a line the test expects: it only ends early
// on a failure, so it is long enough for a busy machine.
const readWait = 30 * time.Second

func (s *stack) dial(t *testing.T, email string) *msnClient {
	t.Helper()
	nc, err := net.Dial("tcp", s.nsAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &msnClient{t: t, email: email, nc: nc, r: bufio.NewReader(nc)}
}

func (c *msnClient) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, line+"\r\n"); err != nil {
		c.t.Fatalf("%s: send %q: %v", c.email, line, err)
	}
}

func (c *msnClient) sendPayload(line, payload string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, line+" "+strconv.Itoa(len(payload))+"\r\n"+payload); err != nil {
		c.t.Fatalf("%s: send %q: %v", c.email, line, err)
	}
}

func (c *msnClient) readLine() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("%s: read: %v (partial %q)", c.email, err, line)
	}
	if !strings.HasSuffix(line, "\r\n") {
		c.t.Fatalf("%s: line without CRLF: %q", c.email, line)
	}
	return strings.TrimSuffix(line, "\r\n")
}

// read returns the next command line and, for a payload command, its body.
func (c *msnClient) read() (string, string) {
	c.t.Helper()
	line := c.readLine()
	f := strings.Fields(line)
	if len(f) < 2 || !payloadCommands[f[0]] {
		return line, ""
	}
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil || n < 0 {
		c.t.Fatalf("%s: bad payload length in %q", c.email, line)
	}
	buf := make([]byte, n)
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	if _, err := io.ReadFull(c.r, buf); err != nil {
		c.t.Fatalf("%s: payload of %q: %v", c.email, line, err)
	}
	return line, string(buf)
}

func (c *msnClient) expect(want string) {
	c.t.Helper()
	if got := c.readLine(); got != want {
		c.t.Fatalf("%s:\n got %q\nwant %q", c.email, got, want)
	}
}

func (c *msnClient) expectRe(pattern string) {
	c.t.Helper()
	if got := c.readLine(); !regexp.MustCompile("^" + pattern + "$").MatchString(got) {
		c.t.Fatalf("%s:\n got %q\nwant /%s/", c.email, got, pattern)
	}
}

// expectPayload reads "line len" and its payload, both compared exactly.
func (c *msnClient) expectPayload(line, payload string) {
	c.t.Helper()
	gotLine, gotPayload := c.read()
	if want := line + " " + strconv.Itoa(len(payload)); gotLine != want {
		c.t.Fatalf("%s:\n got %q\nwant %q", c.email, gotLine, want)
	}
	if gotPayload != payload {
		c.t.Fatalf("%s: payload of %s\n got %q\nwant %q", c.email, line, gotPayload, payload)
	}
}

// expectClosed waits for the server to close the connection with nothing more sent.
func (c *msnClient) expectClosed() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	rest, err := io.ReadAll(c.r)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		c.t.Fatalf("%s: connection not closed: %v (read %q)", c.email, err, rest)
	}
	if len(rest) > 0 {
		c.t.Fatalf("%s: unexpected data before the close: %q", c.email, rest)
	}
}

// drain sends PNG and returns what arrived before the QNG (mail data and the like).
func (c *msnClient) drain() []string {
	c.t.Helper()
	c.send("PNG")
	var got []string
	for {
		line, payload := c.read()
		if strings.HasPrefix(line, "QNG ") {
			return got
		}
		got = append(got, line, payload)
	}
}

// start runs VER, CVR and USR TWN I; the server must answer with exactly
// the GCF policy document given.
func (s *stack) start(t *testing.T, email, policy string) *msnClient {
	t.Helper()
	c := s.dial(t, email)
	c.send("VER 1 MSNP14 MSNP13 CVR0")
	c.expect("VER 1 MSNP14")
	c.send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs " + email)
	c.expectRe(`CVR 2 8\.0\.0787 8\.0\.0787 8\.0\.0787 \S+ \S+`)
	c.send("USR 3 TWN I " + email)
	c.expectRe(`USR 3 TWN S ct=\d+,rver=5\.5\.4177\.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507,ru=http://messenger\.msn\.com,tw=0,kpp=1,kv=4,ver=2\.1\.6000\.1,rn=\w{8},tpf=[0-9a-f]{32}`)
	c.expectPayload("GCF 0", policy)
	return c
}

// finish presents a ticket and brings the session online (BLP, empty ADL, CHG NLN).
func (c *msnClient) finish(tk string) {
	c.t.Helper()
	c.send("USR 4 TWN S " + tk)
	c.expect("USR 4 OK " + c.email + " 1 0")
	c.expect("SBS 0 null")
	if line, _ := c.read(); !strings.HasPrefix(line, "MSG Hotmail Hotmail ") {
		c.t.Fatalf("%s: want the profile MSG, got %q", c.email, line)
	}
	c.send("BLP 5 AL")
	c.expect("BLP 5 AL")
	c.sendPayload("ADL 6", `<ml l="1"></ml>`)
	c.expect("ADL 6 OK")
	c.send("CHG 7 NLN 1611513916 0")
	c.expect("CHG 7 NLN 1611513916 0")
	c.drain()
}

// login signs email in as WLM 8 does; policy is the GCF document expected.
func (s *stack) login(t *testing.T, email, password, policy string) (*msnClient, string) {
	t.Helper()
	c := s.start(t, email, policy)
	tk, body := s.rst(t, email, password)
	if tk == "" {
		t.Fatalf("RST for %s failed:\n%s", email, body)
	}
	c.finish(tk)
	return c, tk
}

var compactRE = regexp.MustCompile(`<wsse:BinarySecurityToken Id="Compact1">t=([^&<]+)&amp;p=</wsse:BinarySecurityToken>`)

// rst asks the token service for the messenger.msn.com ticket; it returns the
// ticket, or "" and the response body.
func (s *stack) rst(t *testing.T, email, password string) (string, string) {
	t.Helper()
	token := func(id, address, policy string) string {
		return fmt.Sprintf(`<wst:RequestSecurityToken Id="%s"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>%s</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>%s</wst:RequestSecurityToken>`, id, address, policy)
	}
	body := `<?xml version="1.0" encoding="UTF-8"?>` +
		`<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust">` +
		`<Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>` + html.EscapeString(email) + `</wsse:Username><wsse:Password>` + html.EscapeString(password) + `</wsse:Password></wsse:UsernameToken></wsse:Security></Header>` +
		`<Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS">` +
		token("RST0", "http://Passport.NET/tb", "") +
		token("RST1", "messenger.msn.com", `<wsse:PolicyReference URI="?id=507"></wsse:PolicyReference>`) +
		`</ps:RequestMultipleSecurityTokens></Body></Envelope>`
	resp, err := http.Post(s.rstURL, "text/xml; charset=utf-8", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if m := compactRE.FindSubmatch(data); m != nil && resp.StatusCode == http.StatusOK {
		return "t=" + string(m[1]) + "&p=", ""
	}
	return "", string(data)
}

// expectRefused checks that the token service refuses email's password.
func (s *stack) expectRefused(t *testing.T, email, password string) {
	t.Helper()
	tk, body := s.rst(t, email, password)
	if tk != "" || !strings.Contains(body, "wsse:FailedAuthentication") {
		t.Fatalf("RST for %s: want wsse:FailedAuthentication, got ticket %q, body:\n%s", email, tk, body)
	}
}

// openSwitchboard asks the NS for a switchboard (XFR SB) and starts a
// session there alone; it returns the switchboard connection.
func (c *msnClient) openSwitchboard(trid int) *msnClient {
	c.t.Helper()
	c.send(fmt.Sprintf("XFR %d SB", trid))
	f := strings.Fields(c.readLine())
	if len(f) != 9 || f[0] != "XFR" || f[1] != strconv.Itoa(trid) || f[2] != "SB" || f[4] != "CKI" {
		c.t.Fatalf("%s: XFR answered %q", c.email, strings.Join(f, " "))
	}
	nc, err := net.Dial("tcp", f[3])
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { nc.Close() })
	sb := &msnClient{t: c.t, email: c.email, nc: nc, r: bufio.NewReader(nc)}
	sb.send("USR 1 " + c.email + " " + f[5])
	sb.expectRe(`USR 1 OK ` + regexp.QuoteMeta(c.email) + ` \S+`)
	return sb
}

// expectEnd waits for the server to close the connection, whatever it sent before.
func (c *msnClient) expectEnd() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(readWait))
	if _, err := io.ReadAll(c.r); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		c.t.Fatalf("%s: connection not closed: %v", c.email, err)
	}
}

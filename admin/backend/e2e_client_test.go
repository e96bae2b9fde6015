package backend_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"msnserver/ns/msnptest"
)

// msnClient is a Windows Live Messenger 8 stand-in on one NS connection.
type msnClient struct {
	*msnptest.Client
	email string
}

func (s *stack) dial(t *testing.T, email string) *msnClient {
	t.Helper()
	return &msnClient{Client: msnptest.Dial(t, s.nsAddr, email), email: email}
}

// start runs VER, CVR and USR TWN I; the server must answer with exactly
// the GCF policy document given.
func (s *stack) start(t *testing.T, email, policy string) *msnClient {
	t.Helper()
	c := s.dial(t, email)
	c.Send("VER 1 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP14")
	c.Send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs " + email)
	c.ExpectRe(`CVR 2 8\.0\.0787 8\.0\.0787 8\.0\.0787 \S+ \S+`)
	c.Send("USR 3 TWN I " + email)
	c.ExpectRe(`USR 3 TWN S ct=\d+,rver=5\.5\.4177\.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507,ru=http://messenger\.msn\.com,tw=0,kpp=1,kv=4,ver=2\.1\.6000\.1,rn=\w{8},tpf=[0-9a-f]{32}`)
	c.ExpectPayload("GCF 0", policy)
	return c
}

// finish presents a ticket and brings the session online (BLP, empty ADL, CHG NLN).
func (c *msnClient) finish(tk string) {
	c.T.Helper()
	c.Send("USR 4 TWN S " + tk)
	c.Expect("USR 4 OK " + c.email + " 1 0")
	c.Expect("SBS 0 null")
	if line, _ := c.Read(); !strings.HasPrefix(line, "MSG Hotmail Hotmail ") {
		c.T.Fatalf("%s: want the profile MSG, got %q", c.email, line)
	}
	c.Send("BLP 5 AL")
	c.Expect("BLP 5 AL")
	c.SendPayload("ADL 6", `<ml l="1"></ml>`)
	c.Expect("ADL 6 OK")
	c.Send("CHG 7 NLN 1611513916 0")
	c.Expect("CHG 7 NLN 1611513916 0")
	c.Barrier()
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
	c.T.Helper()
	c.Send(fmt.Sprintf("XFR %d SB", trid))
	f := strings.Fields(c.ReadLine())
	if len(f) != 9 || f[0] != "XFR" || f[1] != strconv.Itoa(trid) || f[2] != "SB" || f[4] != "CKI" {
		c.T.Fatalf("%s: XFR answered %q", c.email, strings.Join(f, " "))
	}
	sb := &msnClient{Client: msnptest.Dial(c.T, f[3], c.email), email: c.email}
	sb.Send("USR 1 " + c.email + " " + f[5])
	sb.ExpectRe(`USR 1 OK ` + regexp.QuoteMeta(c.email) + ` \S+`)
	return sb
}

package ns

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"msnserver/ns/sso"
)

// rstSSO asks the token service for the MSNP15 tokens the way libpurple 2.5
// does (to //RST.srf, Ids RST0…) and returns the messengerclear.live.com
// ticket and its BinarySecret.
func (ts *testServer) rstSSO(email, password string) (ticket string, secret []byte) {
	ticket, secret, _ = ts.rstSSOAll(email, password)
	return ticket, secret
}

// rstSSOAll is rstSSO that also returns the storage.msn.com ticket.
func (ts *testServer) rstSSOAll(email, password string) (ticket string, secret []byte, storage string) {
	ts.t.Helper()
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust"><Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>%s</wsse:Username><wsse:Password>%s</wsse:Password></wsse:UsernameToken></wsse:Security></Header><Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS">`+
		`<wst:RequestSecurityToken Id="RST0"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>http://Passport.NET/tb</wsa:Address></wsa:EndpointReference></wsp:AppliesTo></wst:RequestSecurityToken>`+
		`<wst:RequestSecurityToken Id="RST1"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>messengerclear.live.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="MBI_KEY_OLD"></wsse:PolicyReference></wst:RequestSecurityToken>`+
		`<wst:RequestSecurityToken Id="RST2"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>storage.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="MBI"></wsse:PolicyReference></wst:RequestSecurityToken>`+
		`</ps:RequestMultipleSecurityTokens></Body></Envelope>`, html.EscapeString(email), html.EscapeString(password))
	resp, err := http.Post(ts.web.URL+"//RST.srf", "text/xml", strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("//RST.srf: %s\n%s", resp.Status, data)
	}
	if regexp.MustCompile(`>\s+<`).Match(data) {
		ts.t.Fatalf("whitespace between elements (libpurple 2.5 crashes on it): %s", data)
	}
	m := regexp.MustCompile(`<wsa:Address>messengerclear\.live\.com</wsa:Address>.*?<wsse:BinarySecurityToken Id="Compact1">t=([^&<]+)&amp;p=</wsse:BinarySecurityToken>.*?<wst:BinarySecret>([^<]+)</wst:BinarySecret>`).FindSubmatch(data)
	if m == nil {
		ts.t.Fatalf("no messengerclear token with proof: %s", data)
	}
	st := regexp.MustCompile(`<wsse:BinarySecurityToken Id="Compact2">(t=[^&<]+)&amp;p=</wsse:BinarySecurityToken>`).FindSubmatch(data)
	if st == nil {
		ts.t.Fatalf("token Ids do not follow the request: %s", data)
	}
	secret, err = base64.StdEncoding.DecodeString(string(m[2]))
	if err != nil || len(secret) != 24 {
		ts.t.Fatalf("BinarySecret %q: %v", m[2], err)
	}
	return "t=" + string(m[1]) + "&p=", secret, string(st[1]) + "&p="
}

// ssoStart runs VER MSNP15, CVR and USR SSO I, returning the nonce.
func (ts *testServer) ssoStart(email string) (*client, string) {
	ts.t.Helper()
	c := ts.dial(strings.Split(email, "@")[0])
	c.Send("VER 1 MSNP15 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP15")
	c.Send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.5.1288.816 msmsgs " + email)
	c.Expect("CVR 2 8.5.1288.816 8.5.1288.816 8.5.1288.816 http://127.0.0.1/download http://127.0.0.1/")
	c.Send("USR 3 SSO I " + email)
	c.ExpectPayload("GCF 0", DefaultPolicy)
	m := c.ExpectRe(`USR 3 SSO S MBI_KEY_OLD ([A-Za-z0-9+/]{64})`)
	return c, m[1]
}

// loginSSO signs in with MSNP15 and a correct proof.
func (ts *testServer) loginSSO(email, password string) *client {
	ts.t.Helper()
	c, nonce := ts.ssoStart(email)
	tk, secret := ts.rstSSO(email, password)
	c.Send("USR 4 SSO S " + tk + " " + sso.Proof(secret, nonce))
	c.Expect("USR 4 OK " + strings.ToLower(email) + " 1 0")
	c.Expect("SBS 0 null")
	line, profile := c.ReadPayloadCmd()
	if !strings.HasPrefix(line, "MSG Hotmail Hotmail ") || headerValue(profile, "MSPAuth") == "" {
		ts.t.Fatalf("profile: %q %q", line, profile)
	}
	c.trid = 4
	return c
}

func TestSSOLogin(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	a := ts.loginSSO("alice@hotmail.com", "pw")
	a.online()
	b := ts.loginSSO("bob@hotmail.com", "pw")
	b.online()
	befriend(t, a, b, "alice@hotmail.com", "bob@hotmail.com")
	// After login MSNP15 behaves as MSNP14: presence with network ids.
	b.Send("CHG " + b.next() + " AWY 1611513916 0")
	b.Barrier()
	if got := a.Barrier(); len(got) == 0 || got[0] != "NLN AWY bob@hotmail.com 1 Bob 1611513916 0" {
		t.Fatalf("alice saw %q", got)
	}
}

// TestSSOProofRefused: every bad proof is 911 and a close, and never logs in.
func TestSSOProofRefused(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	tk, secret := ts.rstSSO("alice@hotmail.com", "pw")
	wrongKey := append([]byte(nil), secret...)
	wrongKey[0] ^= 1
	raw := func(nonce string) []byte {
		b, _ := base64.StdEncoding.DecodeString(sso.Proof(secret, nonce))
		return b
	}
	cases := map[string]func(nonce string) string{
		"wrong key": func(nonce string) string { return sso.Proof(wrongKey, nonce) },
		"truncated blob": func(nonce string) string {
			b := raw(nonce)
			return base64.StdEncoding.EncodeToString(b[:len(b)-8])
		},
		"wrong header": func(nonce string) string {
			b := raw(nonce)
			binary.LittleEndian.PutUint32(b[8:], 0x6610) // CALG_AES_256 instead of 3DES
			return base64.StdEncoding.EncodeToString(b)
		},
		"not base64":  func(string) string { return "!!!!" },
		"other nonce": func(string) string { return sso.Proof(secret, sso.NewNonce()) },
	}
	for name, proof := range cases {
		t.Run(name, func(t *testing.T) {
			c, nonce := ts.ssoStart("alice@hotmail.com")
			c.Send("USR 4 SSO S " + tk + " " + proof(nonce))
			c.Expect("911 4")
			c.ExpectClosed()
		})
	}
	t.Run("no proof", func(t *testing.T) {
		c, _ := ts.ssoStart("alice@hotmail.com")
		c.Send("USR 4 SSO S " + tk)
		c.Expect("911 4")
		c.ExpectClosed()
	})
	t.Run("TWN in MSNP15", func(t *testing.T) {
		c := ts.dial("twn")
		c.Send("VER 1 MSNP15 CVR0")
		c.Expect("VER 1 MSNP15")
		c.Send("USR 2 TWN I alice@hotmail.com")
		c.ExpectClosed()
	})
}

// TestSSOReplay: a proof seen on the wire is worthless on a new connection
// (it answers the old nonce), and a nonce is good for one attempt.
func TestSSOReplay(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	tk, secret := ts.rstSSO("alice@hotmail.com", "pw")

	c, nonce := ts.ssoStart("alice@hotmail.com")
	captured := "USR 4 SSO S " + tk + " " + sso.Proof(secret, nonce)
	c.Send(captured)
	c.Expect("USR 4 OK alice@hotmail.com 1 0")
	c.Expect("SBS 0 null")
	c.ReadPayloadCmd()
	c.Send("OUT")
	c.ExpectClosed()

	r, _ := ts.ssoStart("alice@hotmail.com")
	r.Send(captured)
	r.Expect("911 4")
	r.ExpectClosed()
}

func TestMaxMSNP(t *testing.T) {
	ts := startServer(t, Options{MaxMSNP: 14})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	c := ts.dial("wlm85")
	c.Send("VER 1 MSNP15 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP14")
	c = ts.dial("p15only")
	c.Send("VER 1 MSNP15 CVR0")
	c.Expect("VER 1 0")
	c.ExpectClosed()
	// MSNP14 login is unchanged under the ceiling.
	ts.login("alice@hotmail.com", "pw")

	ts13 := startServer(t, Options{MaxMSNP: 13})
	c = ts13.dial("wlm85")
	c.Send("VER 1 MSNP15 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP13")
}

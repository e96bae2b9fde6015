package ns

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"msnserver/ns/ticket"

	"msnserver/ns/challenge"
)

// TestSeedTranscript replays the seed's notification-server login (its second
// connection) and checks every server line exactly; only the ticket, times,
// member id and addresses differ.
func TestSeedTranscript(t *testing.T) {
	ts := startServer(t, Options{Challenge: true})
	acct := ts.addUser("example@hotmail.com", "s3cret&pw", "example user", 1)
	ts.addUser("anotheruser@hotmail.com", "pw", "", 1)

	c := ts.dial("example")
	c.Send("VER 4 MSNP14 MSNP13 CVR0")
	c.Expect("VER 4 MSNP14")
	c.Send("CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0566 MSMSGS example@hotmail.com")
	c.Expect("CVR 5 8.0.0566 8.0.0566 8.0.0566 http://127.0.0.1/download http://127.0.0.1/")
	c.Send("USR 6 TWN I example@hotmail.com")
	c.ExpectRe(`USR 6 TWN S ct=\d+,rver=5\.5\.4177\.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507,ru=http://messenger\.msn\.com,tw=0,kpp=1,kv=4,ver=2\.1\.6000\.1,rn=\w{8},tpf=[0-9a-f]{32}`)
	c.ExpectPayload("GCF 0", DefaultPolicy)
	if len(DefaultPolicy) != 203 {
		t.Fatalf("default policy is %d bytes, the reference's is 203", len(DefaultPolicy))
	}

	tk, body := ts.rst("Example@Hotmail.com", "s3cret&pw")
	if tk == "" {
		t.Fatalf("no ticket: %s", body)
	}
	c.Send("USR 7 TWN S " + tk)
	c.Expect("USR 7 OK example@hotmail.com 1 0")
	c.Expect("SBS 0 null")

	line, profile := c.ReadPayloadCmd()
	port := c.Conn.LocalAddr().(*net.TCPAddr).Port
	want := "MIME-Version: 1.0\r\n" +
		"Content-Type: text/x-msmsgsprofile; charset=UTF-8\r\n" +
		"LoginTime: " + headerValue(profile, "LoginTime") + "\r\n" +
		"EmailEnabled: 0\r\n" +
		"MemberIdHigh: " + strconv.FormatUint(acct.PUID>>32, 10) + "\r\n" +
		"MemberIdLow: " + strconv.FormatUint(acct.PUID&0xffffffff, 10) + "\r\n" +
		"lang_preference: 1033\r\n" +
		"PreferredEmail: example@hotmail.com\r\n" +
		"country: US\r\n" +
		"PostalCode: \r\n" +
		"Gender: \r\n" +
		"Kid: 0\r\n" +
		"Age: \r\n" +
		"BDayPre: \r\n" +
		"Birthday: \r\n" +
		"Wallet: \r\n" +
		"Flags: 1027\r\n" +
		"sid: 507\r\n" +
		"kv: 11\r\n" +
		"MSPAuth: " + strings.TrimSuffix(strings.TrimPrefix(tk, "t="), "&p=") + "\r\n" +
		"ClientIP: 127.0.0.1\r\n" +
		"ClientPort: " + strconv.Itoa((port&0xff)<<8|port>>8) + "\r\n" +
		"ABCHMigrated: 1\r\n" +
		"\r\n"
	if line != fmt.Sprintf("MSG Hotmail Hotmail %d", len(want)) || profile != want {
		t.Fatalf("profile:\n got %q %q\nwant %q", line, profile, want)
	}

	c.Send("BLP 7 AL")
	c.Expect("BLP 7 AL")
	c.SendPayload("ADL 8", `<ml l="1"><d n="hotmail.com"><c n="anotheruser" l="3" t="1" /></d><t><c n="tel:+15551111222" l="3" /></t></ml>`)
	c.Expect("ADL 8 OK")
	c.Send("PRP 9 MFN example%20user")
	c.Expect("PRP 9 MFN example%20user")
	c.Send("CHG 10 NLN")
	c.Expect("CHG 10 NLN")
	// The challenge follows the first CHG.
	chl := c.ExpectRe(`CHL 0 (\d{20})`)[1]
	c.SendPayload("UUX 11", `<Data><PSM></PSM><CurrentMedia></CurrentMedia><MachineGuid>{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}</MachineGuid></Data>`)
	c.Expect("UUX 11 0")
	c.SendPayload("QRY 12 PROD01065C%ZFN6F", challenge.Response(chl, "PROD01065C%ZFN6F", "O4BG@C7BWLYQX?5G"))
	c.Expect("QRY 12")
	c.Send("PNG")
	c.Expect("QNG 50")
}

func headerValue(payload, name string) string {
	for _, l := range strings.Split(payload, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+": "); ok {
			return v
		}
	}
	return ""
}

func TestVersionNegotiation(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.dial("wlm81")
	c.Send("VER 1 MSNP15 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP15")
	c.Send("VER 2 MSNP14")
	c.ExpectClosed()

	c = ts.dial("wlm80")
	c.Send("VER 1 MSNP14 MSNP13 CVR0")
	c.Expect("VER 1 MSNP14")

	c = ts.dial("old")
	c.Send("VER 1 MSNP8 CVR0")
	c.Expect("VER 1 0")
	c.ExpectClosed()

	c = ts.dial("msnp13")
	c.Send("VER 1 MSNP13 CVR0")
	c.Expect("VER 1 MSNP13")
}

func TestChallengeWrongAnswer(t *testing.T) {
	ts := startServer(t, Options{Challenge: true})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	c := ts.login("alice@hotmail.com", "pw")
	c.Send("CHG 5 NLN 1611513916 0")
	c.Expect("CHG 5 NLN 1611513916 0")
	c.ExpectRe(`CHL 0 \d{20}`)
	c.SendPayload("QRY 6 PROD01065C%ZFN6F", strings.Repeat("0", 32))
	c.Expect("540 6")
	c.ExpectClosed()
}

// Every Messenger build answers CHL with its own product ID (ns-login
// §11.2); each correct answer is accepted, and the session goes on.
func TestChallengeEveryKnownProduct(t *testing.T) {
	ts := startServer(t, Options{Challenge: true})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	for _, p := range []struct{ id, key, build string }{
		{"PROD0090YUAUV{2B", "YMM8C_H7KCQ2S_KL", "MSN 7.5"},
		{"PROD01065C%ZFN6F", "O4BG@C7BWLYQX?5G", "WLM 8.0"},
		{"PROD0112J1LW7%NB", "RH96F{PHI8PPX_TJ", "WLM 8.x"},
		{"PROD0113H11T8$X_", "RG@XY*28Q5QHS%Q5", "WLM 8.1.0168"},
		{"PROD0114ES4Z%Q5W", "PK}_A_0N_K%O?A9S", "WLM 8.1.0178"},
		{"PROD0118R6%2WYOS", "YIXPX@5I2P0UT*LK", "WLM 8.5 beta"},
		{"PROD0119GSJUC$18", "ILTXC!4IXB5FB*PX", "WLM 8.5"},
		{"PROD0120PW!CCV9@", "C1BX{V4W}Q3*10SM", "WLM 2009"},
	} {
		t.Run(p.build, func(t *testing.T) {
			c := ts.login("alice@hotmail.com", "pw")
			c.Send("CHG 5 NLN 0")
			c.Expect("CHG 5 NLN 0")
			chl := c.ExpectRe(`CHL 0 (\d{20})`)[1]
			c.SendPayload("QRY 6 "+p.id, challenge.Response(chl, p.id, p.key))
			c.Expect("QRY 6")
			c.Send("PNG")
			c.Expect("QNG 50")
		})
	}
}

// A product ID the server has no key for cannot be checked; the client is
// not at fault, so the answer is accepted (and logged), never a 540.
func TestChallengeUnknownProductAccepted(t *testing.T) {
	ts := startServer(t, Options{Challenge: true})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	c := ts.login("alice@hotmail.com", "pw")
	c.Send("CHG 5 NLN 0")
	c.Expect("CHG 5 NLN 0")
	c.ExpectRe(`CHL 0 \d{20}`)
	c.SendPayload("QRY 6 PROD0199ZZZZZZZZ", strings.Repeat("a", 32))
	c.Expect("QRY 6")
	c.Send("PNG")
	c.Expect("QNG 50")
}

func TestTicketRefused(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "", 1)
	ts.addUser("bob@hotmail.com", "pw", "", 1)
	bobTicket, _ := ts.rst("bob@hotmail.com", "pw")
	forged := []string{
		"t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA&p=", // bad signature
		"t=garbage&p=",
		bobTicket, // another account's ticket
	}
	for i, tk := range forged {
		c := ts.dial("alice")
		c.Send("VER 1 MSNP14")
		c.Expect("VER 1 MSNP14")
		c.Send("USR 2 TWN I alice@hotmail.com")
		c.ReadLine()
		c.ReadPayloadCmd()
		c.Send("USR 3 TWN S " + tk)
		c.Expect("911 3")
		c.ExpectClosed()
		_ = i
	}
	expired := ts.tickets.IssueAt(1, time.Now().Add(-time.Minute))
	c := ts.dial("alice")
	c.Send("VER 1 MSNP14")
	c.Expect("VER 1 MSNP14")
	c.Send("USR 2 TWN I alice@hotmail.com")
	c.ReadLine()
	c.ReadPayloadCmd()
	c.Send("USR 3 TWN S " + ticket.Compact(expired))
	c.Expect("911 3")
	c.ExpectClosed()
	_, body := ts.rst("alice@hotmail.com", "wrong")
	if !strings.Contains(body, "wsse:FailedAuthentication") || !strings.Contains(body, "0x80048821") {
		t.Fatalf("wrong password: %s", body)
	}
	_, body = ts.rst("nobody@hotmail.com", "pw")
	if !strings.Contains(body, "wsse:FailedAuthentication") || !strings.Contains(body, "0x80048821") {
		t.Fatalf("unknown account: %s", body)
	}
}

func TestDoubleLogin(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "", 1)
	first := ts.login("alice@hotmail.com", "pw")
	first.online()
	ts.login("alice@hotmail.com", "pw")
	first.Expect("OUT OTH")
	first.ExpectClosed()
}

func TestCommandsBeforeLogin(t *testing.T) {
	ts := startServer(t, Options{})
	probes := []struct{ line, payload string }{
		{"CHG 2 NLN 0", ""}, {"XFR 2 SB", ""}, {"PRP 2 MFN x", ""}, {"BLP 2 AL", ""}, {"ADL 2", `<ml l="1"></ml>`},
	}
	for _, p := range probes {
		// Before VER: closed without a reply.
		c := ts.dial("early")
		if p.payload != "" {
			c.SendPayload(p.line, p.payload)
		} else {
			c.Send(p.line)
		}
		c.ExpectClosed()
		// After VER: 715 with the TrID, connection kept.
		c = ts.dial("early")
		c.Send("VER 1 MSNP14")
		c.Expect("VER 1 MSNP14")
		if p.payload != "" {
			c.SendPayload(p.line, p.payload)
		} else {
			c.Send(p.line)
		}
		c.Expect("715 2")
		c.Send("PNG")
		c.Expect("QNG 50")
	}
}

func TestBadInput(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "", 1)

	c := ts.login("alice@hotmail.com", "pw")
	c.Send("ZZZ 5 whatever")
	c.ExpectClosed()

	c = ts.dial("long")
	c.Send("VER 1 MSNP14 " + strings.Repeat("A", 64*1024))
	c.Expect("200")
	c.ExpectClosed()

	c = ts.login("alice@hotmail.com", "pw")
	c.Send("UUX 5 4294967295")
	c.Expect("200 5")
	c.ExpectClosed()

	c = ts.login("alice@hotmail.com", "pw")
	c.Send("USR 5 TWN I alice@hotmail.com")
	c.Expect("207 5")
	c.Send("CHG 6 XXX 0")
	c.Expect("201 6")
	c.Send("CHG 7 FLN 0")
	c.Expect("201 7")
	c.Send("PRP 8 ZZZ x")
	c.Expect("715 8")
	c.Send("XFR 9 SB")
	c.Expect("913 9")
	c.Send("XFR 10 NS")
	c.Expect("201 10")
	c.Send("CHG 11 NLN notanumber")
	c.Expect("201 11")
	c.Send("URL 12 INBOX")
	c.Expect("URL 12 /cgi-bin/HoTMaiL http://127.0.0.1/ 2")
	c.Send("OUT")
	c.ExpectClosed()

	c = ts.dial("garbage")
	c.Conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	c.ExpectClosed()
}

func TestRestartKeepsAccounts(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	c := ts.login("alice@hotmail.com", "pw")
	c.Send("PRP 5 MFN Alice%20Renamed")
	c.Expect("PRP 5 MFN Alice%20Renamed")
	ts.restart(Options{})
	a, err := ts.store.AccountByEmail("ALICE@hotmail.com")
	if err != nil || a.Name != "Alice Renamed" {
		t.Fatalf("after restart: %+v %v", a, err)
	}
	ts.login("alice@hotmail.com", "pw")
}

func TestShutdownSendsOUTSSD(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "", 1)
	c := ts.login("alice@hotmail.com", "pw")
	ts.close()
	c.Expect("OUT SSD")
	c.ExpectClosed()
}

// TestState sends every verb of the command table in every state it is not
// allowed in: before VER the connection closes without a reply; after VER a
// session command gets 715 and the connection stays usable.
func TestState(t *testing.T) {
	ts := startServer(t, Options{})
	for verb, def := range commands {
		args := " 2 x"
		if def.noTrID {
			args = ""
		}
		if def.states&stateConnected == 0 {
			c := ts.dial("state")
			if def.payload {
				c.SendPayload(verb+" 2", "x")
			} else {
				c.Send(verb + args)
			}
			c.ExpectClosed()
		}
		if def.states&stateVersioned == 0 && verb != "VER" {
			c := ts.dial("state")
			c.Send("VER 1 MSNP14")
			c.Expect("VER 1 MSNP14")
			if def.payload {
				c.SendPayload(verb+" 2", "x")
			} else {
				c.Send(verb + args)
			}
			c.Expect("715 2")
			c.Send("PNG")
			c.Expect("QNG 50")
		}
	}
}

// SDC's optional payload is read by the command table: outside its state it
// is consumed too, so its bytes are never taken for commands.
func TestSDCPayload(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "", 1)
	c := ts.dial("early")
	c.Send("VER 1 MSNP14")
	c.Expect("VER 1 MSNP14")
	c.SendPayload("SDC 2 bob@hotmail.com 0x0409 MSMSGS WL 1 X Alice", "OUT\r\n")
	c.Expect("715 2")
	c.Send("PNG")
	c.Expect("QNG 50")

	c = ts.login("alice@hotmail.com", "pw")
	c.SendPayload("SDC 5 bob@hotmail.com 0x0409 MSMSGS WL 1 X Alice", "OUT\r\n")
	c.Expect("SDC 5 OK")
	c.Send("SDC 6 bob@hotmail.com 0x0409 MSMSGS WL 1 X Alice")
	c.Expect("SDC 6 OK")
	c.Send("PNG")
	c.Expect("QNG 50")
	c.Send("SDC 7 bob@hotmail.com 0x0409 MSMSGS WL 1 X Alice 999999999")
	c.Expect("200 7")
	c.ExpectClosed()
}

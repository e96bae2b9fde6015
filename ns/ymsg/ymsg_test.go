package ymsg_test

import (
	"strconv"
	"strings"
	"testing"

	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// The token login over HTTP: exact bodies libpurple parses (ymsg.md §4.3).
func TestTokenEndpoints(t *testing.T) {
	s := newStack(t)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)
	s.addUser("alice@hotmail.com", store.NetworkMSN)

	if got := s.get("/capacity", nil); got != "COLO_CAPACITY=1\r\nCS_IP_ADDRESS=127.0.0.1\r\n" {
		t.Fatalf("capacity: %q", got)
	}
	for _, tc := range []struct{ login, pass, want string }{
		{"carol", "wrong", "1212"},
		{"nobody", "secret1", "1235"},
		{"alice@hotmail.com", "secret1", "1235"}, // an MSN account cannot sign in as Yahoo
		{"carol", "", "100"},
	} {
		if got := s.tokenGet(tc.login, tc.pass); got != tc.want {
			t.Errorf("pwtoken_get %s/%s = %q, want %q", tc.login, tc.pass, got, tc.want)
		}
	}
	// Bare ID, full address and mixed case are one account.
	for _, login := range []string{"carol", "Carol@Yahoo.com"} {
		body := s.tokenGet(login, "secret1")
		f := strings.Split(body, "\r\n")
		if len(f) != 3 || f[0] != "0" || !strings.HasPrefix(f[1], "ymsgr=") || !strings.HasPrefix(f[2], "partnerid=") {
			t.Fatalf("pwtoken_get %s: %q", login, body)
		}
		tok := f[1][6:]
		body = s.tokenLogin(tok)
		lines := strings.Split(body, "\r\n")
		if len(lines) != 6 || lines[0] != "0" || !strings.HasPrefix(lines[1], "crumb=") ||
			!strings.HasSuffix(lines[2], "; path=/; domain=.yahoo.com") || !strings.HasPrefix(lines[3], "T=") ||
			lines[4] != "cookievalidfor=86400" || lines[5] != "" || strings.Contains(body, "\r\n\r\n") {
			t.Fatalf("pwtoken_login: %q", body)
		}
		if got := s.tokenLogin(tok); got != "100" {
			t.Fatalf("reused token: %q", got)
		}
	}
	if got := s.tokenLogin("made-up"); got != "100" {
		t.Fatalf("unknown token: %q", got)
	}
}

// The pager login: right proof, bad Y64 answer, a replayed ticket, an
// unknown ticket, a packet before AUTH (ymsg.md §4.4).
func TestPagerLogin(t *testing.T) {
	s := newStack(t)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)

	// A wrong proof is refused with 66=13 and the connection closes.
	c := s.ydial("carol")
	chal := c.auth()
	crumb, y, tc := s.cookies("carol")
	c.authResp(0, y, tc, proof(crumb, chal+"x"))
	c.expectPairs(packet.SvcAuthResp, packet.StatusFailure, "1=carol 66=13")
	c.expectClosed()

	// The ticket went with that attempt: it cannot be replayed.
	c = s.ydial("carol")
	chal = c.auth()
	c.authResp(0, y, tc, proof(crumb, chal))
	c.expectPairs(packet.SvcAuthResp, packet.StatusFailure, "1=carol 66=13")
	c.expectClosed()

	// Cookies that were never issued.
	c = s.ydial("carol")
	chal = c.auth()
	c.authResp(0, "v=1&n=x", "z=forged", proof("crumb", chal))
	c.expectPairs(packet.SvcAuthResp, packet.StatusFailure, "1=carol 66=13")
	c.expectClosed()

	// A message before signing in: the protocol error, then the close.
	c = s.ydial("carol")
	c.send(packet.SvcMessage, 0, 1, "carol", 5, "dave", 14, "hi")
	c.expectPairs(packet.SvcError, packet.StatusFailure, "66=1007")
	c.expectClosed()

	// YM9's VERIFY, then the whole login burst for an empty list.
	c = s.ydial("carol")
	c.send(packet.SvcVerify, 0)
	c.expectPairs(packet.SvcVerify, packet.StatusServerAck, "")
	chal = c.auth()
	crumb, y, tc = s.cookies("carol@yahoo.com")
	c.authResp(0, y, tc, proof(crumb, chal))
	l := c.expect(packet.SvcList, packet.StatusDefault)
	if l.Value(89) != "carol" || l.Session == 0 {
		t.Fatalf("LIST %v", l.Pairs)
	}
	c.sess = l.Session
	if got := c.burst(); got != "" {
		t.Fatalf("LIST_15 of an empty list: %s", got)
	}
	if sess := s.hub.Lookup("carol@yahoo.com"); sess == nil || sess.Front != "YMSG" || sess.Network != store.NetworkYahoo {
		t.Fatalf("hub session: %+v", sess)
	}
	a, _ := s.st.AccountByEmail("carol@yahoo.com")
	if a.BLP != "BL" {
		t.Fatalf("BLP %q: a Yahoo user is seen only by whom they authorized", a.BLP)
	}

	// A second sign-in kicks the first with LOGOFF status -1.
	c2 := s.ylogin("carol", 0)
	c2.burst()
	c.waitFor(packet.SvcLogoff, func(p *packet.Packet) bool { return p.Status == packet.StatusFailure })
	c.expectClosed()

	// Malformed framing closes without a reply.
	c3 := s.ydial("x")
	c3.nc.Write([]byte("GARBAGE-NOT-YMSG-HEADER"))
	c3.expectClosed()
}

// Two Yahoo users: authorization, presence, messages, typing, buzz,
// invisible, ignore, offline messages, groups and the list at sign-in.
// carolAddsDave signs carol and dave in; carol adds dave and dave allows her
// at once: carol sees dave's status, then the answer.
func carolAddsDave(s *stack) (carol, dave *yclient) {
	carol = s.ylogin("carol", 0)
	carol.burst()
	dave = s.ylogin("dave", 0)
	dave.burst()
	carol.send(packet.SvcAddBuddy, 0, 14, "", 65, "Friends", 97, 1, 1, "carol", 302, 319, 300, 319, 7, "dave", 334, 0, 301, 319, 303, 319)
	carol.expectPairs(packet.SvcAddBuddy, packet.StatusServerAck, "1=carol 7=dave 65=Friends 66=0")
	dave.expectPairs(packet.SvcAuthReq, packet.StatusAuthAsk, "4=carol 5=dave")
	dave.send(packet.SvcAuthReq, 0, 1, "dave", 5, "carol", 13, 1, 334, 0)
	carol.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=dave 10=0 13=1 301=315 303=315")
	carol.expectPairs(packet.SvcAuthReq, packet.StatusServerAck, "4=dave 5=carol 13=1")
	return carol, dave
}

func TestYahooToYahoo(t *testing.T) {
	s := newStack(t)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)
	s.addUser("dave@yahoo.com", store.NetworkYahoo)
	carol, dave := carolAddsDave(s)

	// dave adds carol back: carol already allowed him, nobody is asked.
	dave.send(packet.SvcAddBuddy, 0, 65, "Buddies", 1, "dave", 302, 319, 300, 319, 7, "carol", 301, 319, 303, 319)
	dave.expectPairs(packet.SvcAddBuddy, packet.StatusServerAck, "1=dave 7=carol 65=Buddies 66=0")
	dave.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=carol 10=0 13=1 301=315 303=315")

	// Presence: busy, a custom UTF-8 message, away, invisible and back.
	carol.send(packet.SvcStatusUpdate, 0, 10, 2, 19, "", 47, 1)
	dave.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=carol 10=2 47=1 13=1 301=315 303=315")
	carol.send(packet.SvcStatusUpdate, 0, 10, 99, 97, 1, 19, "h\u00e9llo <b>", 47, 0)
	dave.waitFor(packet.SvcStatus15, func(p *packet.Packet) bool {
		return p.Value(10) == "99" && p.Value(47) == "0" && p.Value(19) == "h\u00e9llo <b>"
	})
	carol.send(packet.SvcStatusUpdate, 0, 10, 0, 19, "", 47, 0)
	dave.waitFor(packet.SvcStatus15, func(p *packet.Packet) bool { return p.Value(10) == "0" })
	carol.send(packet.SvcVisible, 0, 13, 2)
	dave.expectPairs(packet.SvcLogoff, packet.StatusServerAck, "7=carol")
	carol.send(packet.SvcStatusUpdate, 0, 10, 0, 19, "", 47, 0)
	carol.send(packet.SvcVisible, 0, 13, 1)
	dave.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=carol 10=0 13=1 301=315 303=315")

	// Messages stay verbatim between Yahoo users (markup and buzz included).
	carol.send(packet.SvcMessage, 0x5A55AA56, 1, "carol", 5, "dave", 97, 1, 14, "3 <tag> & \"q\" \u00e9", 63, ";0", 64, 0, 1002, 1, 206, 0)
	m := dave.expect(packet.SvcMessage, packet.StatusServerAck)
	if m.Value(4) != "carol" || m.Value(5) != "dave" || m.Value(14) != "3 <tag> & \"q\" \u00e9" || m.Value(97) != "1" || m.Value(15) == "" {
		t.Fatalf("message: %v", m.Pairs)
	}
	if _, has1 := m.Get(1); has1 {
		t.Fatal("a server MESSAGE must not carry key 1 (lp starts a new record at it)")
	}
	dave.send(packet.SvcNotify, packet.StatusTyping, 49, "TYPING", 1, "dave", 14, " ", 13, 1, 5, "carol", 1002, 1)
	carol.expectPairs(packet.SvcNotify, packet.StatusServerAck, "4=dave 5=carol 13=1 14=  49=TYPING")
	dave.send(packet.SvcNotify, packet.StatusTyping, 49, "TYPING", 1, "dave", 14, " ", 13, 0, 5, "carol", 1002, 1)
	carol.expectPairs(packet.SvcNotify, packet.StatusServerAck, "4=dave 5=carol 13=0 14=  49=TYPING")
	dave.send(packet.SvcMessage, 0x5A55AA56, 1, "dave", 5, "carol", 97, 1, 14, "<ding>")
	if m := carol.expect(packet.SvcMessage, packet.StatusServerAck); m.Value(14) != "<ding>" {
		t.Fatalf("buzz: %v", m.Pairs)
	}
	// YM9 numbers messages (429): the server acknowledges at once (§7.4).
	carol.send(packet.SvcMessage, 0, 1, "carol", 5, "dave", 97, 1, 14, "numbered", 429, "ABCD1234", 450, 0)
	carol.expectPairs(packet.SvcMessageAck, packet.StatusServerAck, "1=dave 5=carol 302=430 430=ABCD1234 303=430 450=0")
	if m := dave.expect(packet.SvcMessage, packet.StatusServerAck); m.Value(14) != "numbered" {
		t.Fatalf("numbered message: %v", m.Pairs)
	}
	// The pre-Y6 away and back packets change the status too.
	carol.send(packet.SvcIsAway, 0, 10, 6, 47, 1)
	dave.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=carol 10=6 47=1 13=1 301=315 303=315")
	carol.send(packet.SvcIsBack, 0, 10, 0, 47, 0)
	dave.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=carol 10=0 13=1 301=315 303=315")
	// To nobody: "not sent".
	carol.send(packet.SvcMessage, 0x5A55AA56, 1, "carol", 5, "nobody", 97, 1, 14, "x")
	carol.expectPairs(packet.SvcMessage, packet.StatusNotSent, "5=nobody 14=")

	// Ignore: dave sees carol go offline, and dave's messages are dropped.
	carol.send(packet.SvcIgnore, 0, 1, "carol", 7, "dave", 13, 1)
	carol.expectPairs(packet.SvcIgnore, packet.StatusServerAck, "0=dave 1=carol 7=dave 13=1 66=0")
	dave.expectPairs(packet.SvcLogoff, packet.StatusServerAck, "7=carol")
	dave.send(packet.SvcMessage, 0x5A55AA56, 1, "dave", 5, "carol", 97, 1, 14, "while ignored")
	// A barrier: dave's connection has handled the message once this is answered.
	dave.send(packet.SvcMessage, 0x5A55AA56, 1, "dave", 5, "nobody", 97, 1, 14, "x")
	dave.expectPairs(packet.SvcMessage, packet.StatusNotSent, "5=nobody 14=")
	carol.send(packet.SvcIgnore, 0, 1, "carol", 7, "dave", 13, 2)
	carol.expectPairs(packet.SvcIgnore, packet.StatusServerAck, "0=dave 1=carol 7=dave 13=2 66=0")
	dave.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=carol 10=0 13=1 301=315 303=315")

	// Group rename and move, then the list at the next sign-in.
	carol.send(packet.SvcGroupRename, 0, 1, "carol", 65, "Friends", 67, "Pals")
	carol.expectPairs(packet.SvcGroupRename, packet.StatusServerAck, "1=carol 66=0 67=Pals 65=Friends")

	// Offline message: dave signs out, carol writes, dave gets it once.
	dave.nc.Close()
	carol.expectPairs(packet.SvcLogoff, packet.StatusServerAck, "7=dave")
	carol.send(packet.SvcMessage, 0x5A55AA56, 1, "carol", 5, "dave", 97, 1, 14, "offline note \u00e9")
	carol.send(packet.SvcKeepAlive, 0, 0, "carol") // no reply
	carol.send(packet.SvcChangeGroup, 0, 1, "carol", 302, 240, 300, 240, 7, "dave", 224, "Pals", 264, "Work", 301, 240, 303, 240)
	carol.expectPairs(packet.SvcChangeGroup, packet.StatusServerAck, "1=carol 302=240 300=240 7=dave 224=Pals 264=Work 66=0 301=240 303=240")
	dave = s.ylogin("dave", 0)
	if got := dave.burst(); got != "302=318 300=318 65=Buddies 302=319 300=319 7=carol 301=319 303=319 301=318 303=318" {
		t.Fatalf("dave's LIST_15: %s", got)
	}
	dave.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=carol 10=0 13=1 301=315 303=315")
	off := dave.expect(packet.SvcMessage, packet.StatusOffline)
	if got := pairs(off); !strings.HasPrefix(got, "31=6 32=6 4=carol 5=dave 14=offline note \u00e9 15=") || !strings.HasSuffix(got, " 97=1") {
		t.Fatalf("offline: %s", got)
	}
	dave.nc.Close()
	carol.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=dave 10=0 13=1 301=315 303=315")
	carol.expectPairs(packet.SvcLogoff, packet.StatusServerAck, "7=dave")
	if msgs, _ := s.st.OIMs("dave@yahoo.com"); len(msgs) != 0 {
		t.Fatalf("%d offline messages kept after delivery", len(msgs))
	}
	carol.nc.Close()
	carol = s.ylogin("carol", packet.StatusInvisible)
	if got := carol.burst(); got != "302=318 300=318 65=Work 302=319 300=319 7=dave 301=319 303=319 301=318 303=318" {
		t.Fatalf("carol's LIST_15: %s", got)
	}

	// Removing the buddy from its last group takes it off the list.
	carol.send(packet.SvcRemBuddy, 0, 1, "carol", 7, "dave", 65, "Work")
	carol.expectPairs(packet.SvcRemBuddy, packet.StatusServerAck, "1=carol 7=dave 65=Work 66=0")
	_, l, _ := s.st.Lists("carol@yahoo.com")
	if _, ok := l.Forward["dave@yahoo.com"]; ok {
		t.Fatal("dave still on carol's forward list")
	}
}

// Admin broadcasts (an alert NOT, the shutdown-warning MSG) reach a Yahoo
// user as SYSMESSAGE; address-book NOTs do not.
func TestBroadcasts(t *testing.T) {
	s := newStack(t)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)
	carol := s.ylogin("carol", 0)
	carol.burst()
	alert := `<NOTIFICATION ver="2" id="1"><TO name="carol@yahoo.com"/><MSG pri="1" id="1"><BODY lang="1033"><TEXT>Maintenance at 10 &amp; back soon</TEXT></BODY></MSG></NOTIFICATION>` + "\r\n"
	s.hub.Broadcast([]byte("NOT " + strconv.Itoa(len(alert)) + "\r\n" + alert))
	carol.expectPairs(packet.SvcSysMessage, packet.StatusServerAck, "5=carol 14=Maintenance at 10 & back soon")
	s.hub.BookChanged("carol@yahoo.com")
	warn := "MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 5\r\n\r\n"
	s.hub.Broadcast([]byte("MSG Hotmail Hotmail " + strconv.Itoa(len(warn)) + "\r\n" + warn))
	carol.expectPairs(packet.SvcSysMessage, packet.StatusServerAck, "5=carol 14=The server goes down for maintenance in 5 minutes.")
}

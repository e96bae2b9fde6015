package sb

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"msnserver/store"
)

// Client-caps and emoticon payloads the bridge does not forward.
const (
	clientCaps = "MIME-Version: 1.0\r\nContent-Type: text/x-clientcaps\r\n\r\nClient-Name: Test\r\n"
	emoticon   = "MIME-Version: 1.0\r\nContent-Type: text/x-mms-emoticon\r\n\r\n:x:\t<msnobj/>\t"
)

// yahooTyping is the network-32 user's typing notification.
const yahooTyping = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: yuki@yahoo.com\r\n\r\n\r\n"

// expectRNG reads the RNG on c's NS connection; it must be exactly the
// MSNP14 form with inviter and name. It returns the session id and cookie.
func (s *stack) expectRNG(c *nsClient, inviter, name string) (sid, cookie string) {
	s.t.Helper()
	line, _ := c.Read()
	m := regexp.MustCompile(`^RNG (\d+) \S+ CKI (\S+) `).FindStringSubmatch(line)
	if m == nil {
		s.t.Fatalf("%s: want RNG, got %q", c.email, line)
	}
	want := fmt.Sprintf("RNG %s %s CKI %s %s %s U messenger.hotmail.com 1", m[1], s.addr, m[2], inviter, name)
	if line != want {
		s.t.Fatalf("%s: RNG\nwant %q\n got %q", c.email, want, line)
	}
	return m[1], m[2]
}

// answer joins the ringing session sid on the switchboard and checks the
// IRO of the virtual member.
func (s *stack) answer(c *nsClient, sid, cookie, iro string) *client {
	s.t.Helper()
	sb := s.dial(strings.SplitN(c.email, "@", 2)[0] + "/sb")
	tr := sb.nextTrID()
	sb.Sendf("ANS %d %s %s %s", tr, c.email, cookie, sid)
	sb.Expect(fmt.Sprintf("IRO %d 1 1 %s", tr, iro))
	sb.Expect(fmt.Sprintf("ANS %d OK", tr))
	return sb
}

// TestBridgeYahooCalls: the network-32 user's own client opens a
// switchboard and CALs an MSN user. RINGING and JOI come at once, the MSN
// user is not rung; text, typing and nudge reach it as UBM with 32 byte for
// byte; its UUMs come back into the session as MSG (ns-presence-lists.md §9.4).
func TestBridgeYahooCalls(t *testing.T) {
	s := newStack(t, Options{}, false)
	alice := s.signIn("alice@hotmail.com", "Alice A", store.NetworkMSN)
	yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)

	y := s.xfr(yuki)
	y.Send("CAL 2 alice@hotmail.com")
	line := y.ExpectPrefix("CAL 2 RINGING ")
	sid := strings.TrimPrefix(line, "CAL 2 RINGING ")
	y.Expect("JOI alice@hotmail.com Alice%20A " + caps)
	alice.Sync() // no RNG
	y.trid = 2

	text := []byte(textMsg("hi from Yahoo \u2713"))
	tr := y.msg("A", text)
	alice.ExpectCmd(fmt.Sprintf("UBM yuki@yahoo.com 32 1 %d", len(text)), string(text))
	y.Expect(fmt.Sprintf("ACK %d", tr))
	y.msg("U", []byte(yahooTyping))
	alice.ExpectCmd(fmt.Sprintf("UBM yuki@yahoo.com 32 2 %d", len(yahooTyping)), yahooTyping)
	y.msg("N", []byte(nudge))
	alice.ExpectCmd("UBM yuki@yahoo.com 32 3 69", nudge)
	y.barrier(yuki.email) // no reply to U or N

	// Kinds the MSN side has no use for are dropped; P2P fails at once.
	y.msg("U", []byte(clientCaps))
	y.msg("N", []byte(emoticon))
	tr = y.msg("A", []byte(emoticon))
	y.Expect(fmt.Sprintf("ACK %d", tr))
	p2p := p2pMsg("alice@hotmail.com", 100)
	tr = y.msg("D", p2p)
	y.Expect(fmt.Sprintf("NAK %d", tr))
	y.barrier(yuki.email)
	alice.Sync()

	// Back: alice's client answers the Yahoo contact with UUM.
	back := []byte(textHello)
	alice.uum(yuki.email, 1, back)
	y.ExpectCmd("MSG alice@hotmail.com Alice%20A 126", string(back))
	alice.uum(yuki.email, 2, []byte(typing))
	y.ExpectCmd("MSG alice@hotmail.com Alice%20A 90", typing)
	alice.uum(yuki.email, 3, []byte(nudge))
	y.ExpectCmd("MSG alice@hotmail.com Alice%20A 69", nudge)
	alice.Sync() // no reply to a delivered UUM
	yuki.Sync()  // and nothing on yuki's NS
	y.barrier(yuki.email)

	// A second CAL of alice, or of oneself, is 215.
	tr = y.nextTrID()
	y.Sendf("CAL %d alice@hotmail.com", tr)
	y.Expect(fmt.Sprintf("215 %d", tr))

	infos := s.srv.Sessions()
	if len(infos) != 1 || infos[0].ID != sid || !slices.Equal(infos[0].Members, []string{"yuki@yahoo.com", "alice@hotmail.com"}) {
		t.Fatalf("sessions: %+v", infos)
	}

	// yuki leaves: the bridged session ends, alice's next UUM rings anew.
	y.Send("OUT")
	y.ExpectClosed()
	waitFor(t, func() bool { return len(s.srv.Sessions()) == 0 })
	alice.uum(yuki.email, 1, back)
	if sid2, _ := s.expectRNG(yuki, alice.email, "Alice%20A"); sid2 == sid {
		t.Fatal("the ended session was rung again")
	}
}

// TestBridgeYahooCallErrors: a CAL of an MSN user who is offline, hidden or
// blocks the network-32 caller is 217; a bridged message to one who went
// offline or blocked since gets NAK (and nothing for U).
func TestBridgeYahooCallErrors(t *testing.T) {
	s := newStack(t, Options{}, false)
	alice := s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
	bob := s.signIn("bob@hotmail.com", "Bob", store.NetworkMSN)
	s.account("dave@hotmail.com", "Dave", store.NetworkMSN)
	carol := s.signIn("carol@hotmail.com", "Carol", store.NetworkMSN)
	yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)
	carol.Send("BLP 6 BL") // yuki is on neither list: blocked
	carol.Expect("BLP 6 BL")
	carol.Sync() // the hub has the new lists once the next command is answered
	bob.Send("CHG 6 HDN " + caps + " 0")
	bob.Expect("CHG 6 HDN " + caps + " 0")
	bob.Sync() // the CHG reply is queued before the hub takes the status

	y := s.xfr(yuki)
	for _, tc := range []struct{ handle, want string }{
		{"dave@hotmail.com", "217"},
		{"nobody@hotmail.com", "208"},
		{"carol@hotmail.com", "217"},
		{"bob@hotmail.com", "217"},
		{"yuki@yahoo.com", "215"},
	} {
		tr := y.nextTrID()
		y.Sendf("CAL %d %s", tr, tc.handle)
		y.Expect(fmt.Sprintf("%s %d", tc.want, tr))
	}
	tr := y.nextTrID()
	y.Sendf("CAL %d alice@hotmail.com", tr)
	y.ExpectPrefix(fmt.Sprintf("CAL %d RINGING ", tr))
	y.ExpectPrefix("JOI alice@hotmail.com ")

	alice.Send("BLP 6 BL")
	alice.Expect("BLP 6 BL")
	alice.Sync() // the hub has the new lists once the next command is answered
	text := []byte(textHello)
	tr = y.msg("A", text)
	y.Expect(fmt.Sprintf("NAK %d", tr))
	tr = y.msg("N", []byte(nudge))
	y.Expect(fmt.Sprintf("NAK %d", tr))
	y.msg("U", []byte(yahooTyping))
	y.barrier(yuki.email)
	alice.Sync() // nothing got through

	alice.Send("BLP 7 AL")
	alice.Expect("BLP 7 AL")
	alice.Sync() // the hub has the new lists once the next command is answered
	tr = y.msg("A", text)
	alice.ExpectCmd("UBM yuki@yahoo.com 32 1 126", string(text))
	y.Expect(fmt.Sprintf("ACK %d", tr))

	alice.Send("OUT")
	waitFor(t, func() bool { return s.hub.Lookup(alice.email) == nil })
	tr = y.msg("A", text)
	y.Expect(fmt.Sprintf("NAK %d", tr))
}

// TestBridgeMSNRingsYahoo: an MSN user's UUM to a network-32 user with no
// bridged session rings it with the MSN user as inviter; the UUMs sent
// before the ANS arrive after IRO and ANS OK, in order, byte for byte, and
// later ones follow; the network-32 user's answers go out as UBM with 32.
func TestBridgeMSNRingsYahoo(t *testing.T) {
	s := newStack(t, Options{}, false)
	alice := s.signIn("alice@hotmail.com", "Alice A", store.NetworkMSN)
	yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)

	text := []byte(textMsg("hi from MSN \u2713"))
	alice.uum(yuki.email, 1, text)
	sid, cookie := s.expectRNG(yuki, alice.email, "Alice%20A")
	alice.uum(yuki.email, 2, []byte(typing))
	alice.Sync() // no reply to UUM
	yuki.Sync()  // one RNG, no UBM

	y := s.answer(yuki, sid, cookie, "alice@hotmail.com Alice%20A "+caps)
	y.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice%%20A %d", len(text)), string(text))
	y.ExpectCmd("MSG alice@hotmail.com Alice%20A 90", typing)
	alice.uum(yuki.email, 3, []byte(nudge))
	y.ExpectCmd("MSG alice@hotmail.com Alice%20A 69", nudge)
	y.barrier(yuki.email)

	back := []byte(textMsg("hello alice"))
	tr := y.msg("A", back)
	alice.ExpectCmd(fmt.Sprintf("UBM yuki@yahoo.com 32 1 %d", len(back)), string(back))
	y.Expect(fmt.Sprintf("ACK %d", tr))
	y.msg("U", []byte(yahooTyping))
	alice.ExpectCmd(fmt.Sprintf("UBM yuki@yahoo.com 32 2 %d", len(yahooTyping)), yahooTyping)
	y.msg("N", []byte(nudge))
	alice.ExpectCmd("UBM yuki@yahoo.com 32 3 69", nudge)
	y.barrier(yuki.email)
	alice.Sync()
	yuki.Sync()

	// The cookie was single use; a second ANS with it is refused.
	y2 := s.dial("yuki/sb2")
	y2.Sendf("ANS 1 yuki@yahoo.com %s %s", cookie, sid)
	y2.Expect("911 1")
	y2.ExpectClosed()

	// A kick of alice (signed in elsewhere) takes her out of the session.
	acct, err := s.st.AccountByEmail(alice.email)
	if err != nil {
		t.Fatal(err)
	}
	alice2 := s.connect(acct)
	y.Expect("BYE alice@hotmail.com 1")
	alice.Until("OUT OTH")

	// alice's new session starts a new bridged session.
	alice2.uum(yuki.email, 1, text)
	if sid2, _ := s.expectRNG(yuki, alice.email, "Alice%20A"); sid2 == sid {
		t.Fatal("the session alice left was rung again")
	}
}

// TestBridgeUUMErrors: with the bridge, a UUM to an offline, blocking or
// unknown user still gets 217/208 and rings nobody.
func TestBridgeUUMErrors(t *testing.T) {
	s := newStack(t, Options{}, false)
	alice := s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
	s.account("yoko@yahoo.com", "Yoko", store.NetworkYahoo) // offline
	yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)
	yuki.Send("BLP 6 BL")
	yuki.Expect("BLP 6 BL")
	yuki.Sync() // the hub has the new lists once the next command is answered

	for _, tc := range []struct{ to, want string }{
		{"yoko@yahoo.com", "217"},
		{"yuki@yahoo.com", "217"},
		{"nobody@yahoo.com", "208"},
	} {
		tr := alice.uum(tc.to, 1, []byte(textHello))
		alice.Expect(fmt.Sprintf("%s %d", tc.want, tr))
	}
	yuki.Sync()
	if n := len(s.srv.Sessions()); n != 0 {
		t.Fatalf("%d sessions", n)
	}
}

// TestBridgeRingTimeout: when the network-32 user does not answer in time,
// what waited goes to its NS connection as UBM (sender network 1), in order;
// for a while after, messages go as UBM without ringing; a late ANS is
// refused.
func TestBridgeRingTimeout(t *testing.T) {
	s := newStack(t, Options{BridgeRingTimeout: 200 * time.Millisecond, BridgeCooldown: time.Hour}, false)
	alice := s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
	yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)

	text := []byte(textHello)
	alice.uum(yuki.email, 1, text)
	sid, cookie := s.expectRNG(yuki, alice.email, "Alice")
	alice.uum(yuki.email, 2, []byte(typing))
	alice.uum(yuki.email, 3, []byte(nudge))
	yuki.ExpectCmd("UBM alice@hotmail.com 1 1 126", string(text))
	yuki.ExpectCmd("UBM alice@hotmail.com 1 2 90", typing)
	yuki.ExpectCmd("UBM alice@hotmail.com 1 3 69", nudge)
	alice.Sync()

	alice.uum(yuki.email, 1, text)
	yuki.ExpectCmd("UBM alice@hotmail.com 1 1 126", string(text))
	yuki.Sync() // no RNG during the cool-down

	y := s.dial("yuki/sb")
	y.Sendf("ANS 1 yuki@yahoo.com %s %s", cookie, sid)
	y.Expect("911 1")
	y.ExpectClosed()
	// The given-up ring's session ends on the ring's own goroutine.
	waitFor(t, func() bool { return len(s.srv.Sessions()) == 0 })
}

// TestBridgeQueueFull: one message more than the queue holds gives the
// ring up at once; everything arrives as UBM, in order.
func TestBridgeQueueFull(t *testing.T) {
	s := newStack(t, Options{BridgeQueue: 2}, false)
	alice := s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
	yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)

	var sent [][]byte
	for i := range 3 {
		p := []byte(textMsg(fmt.Sprintf("message %d", i)))
		sent = append(sent, p)
		alice.uum(yuki.email, 1, p)
	}
	s.expectRNG(yuki, alice.email, "Alice")
	for _, p := range sent {
		yuki.ExpectCmd(fmt.Sprintf("UBM alice@hotmail.com 1 1 %d", len(p)), string(p))
	}
	yuki.Sync()
}

// TestBridgeRingFails: a ring that cannot be made leaves delivery to the NS.
func TestBridgeRingFails(t *testing.T) {
	s := newStack(t, Options{}, false)
	s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
	s.account("yoko@yahoo.com", "Yoko", store.NetworkYahoo)
	if s.srv.DeliverToYahoo(s.hub.Lookup("alice@hotmail.com"), "yoko@yahoo.com", "1", []byte(textHello)) {
		t.Fatal("DeliverToYahoo took a message for an offline user")
	}
	if n := len(s.srv.Sessions()); n != 0 || len(s.srv.allSessions()) != 0 {
		t.Fatalf("%d sessions left", n)
	}
}

// TestNoBridgeUBM: without a registered bridge a UUM is delivered as UBM
// with the sender's network id, as before.
func TestNoBridgeUBM(t *testing.T) {
	s := newStack(t, Options{}, true)
	alice := s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
	yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)
	alice.uum(yuki.email, 1, []byte(textHello))
	yuki.ExpectCmd("UBM alice@hotmail.com 1 1 126", textHello)
	alice.Sync()

	y := s.xfr(yuki)
	y.Send("CAL 2 alice@hotmail.com")
	y.ExpectPrefix("CAL 2 RINGING ") // the sb side bridges; the NS side does not need to
}

// TestYahooKind: the UBM type from the Content-Type.
func TestYahooKind(t *testing.T) {
	for _, tc := range []struct{ payload, want string }{
		{textHello, "1"},
		{"Content-Type: TEXT/PLAIN\r\n\r\nx", "1"},
		{typing, "2"},
		{nudge, "3"},
		{"MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast; charset=UTF-8\r\n\r\nID: 2\r\n\r\n", "3"},
		{clientCaps, ""},
		{emoticon, ""},
		{"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n\r\n", ""},
		{"MIME-Version: 1.0\r\n\r\ntext/plain", ""},
		{"", ""},
		{"Content-Type: text/plainx\r\n\r\n", ""},
	} {
		if got := yahooKind([]byte(tc.payload)); got != tc.want {
			t.Errorf("yahooKind(%q) = %q, want %q", tc.payload, got, tc.want)
		}
	}
}

// TestBridgeOrder: messages streaming while the ring is answered arrive in
// the session once each and in order, and so do messages streaming while
// an unanswered ring gives up (as UBM).
func TestBridgeOrder(t *testing.T) {
	const n = 30
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = []byte(textMsg(fmt.Sprintf("message %02d", i)))
	}

	t.Run("answered", func(t *testing.T) {
		s := newStack(t, Options{BridgeQueue: n}, false)
		alice := s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
		yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)
		alice.uum(yuki.email, 1, msgs[0])
		sid, cookie := s.expectRNG(yuki, alice.email, "Alice")
		done := make(chan struct{})
		go func() { // alice's client keeps sending while yuki answers
			defer close(done)
			for _, m := range msgs[1:] {
				b := append([]byte(fmt.Sprintf("UUM 99 %s 32 1 %d\r\n", yuki.email, len(m))), m...)
				alice.Conn.Write(b)
				time.Sleep(time.Millisecond)
			}
		}()
		y := s.answer(yuki, sid, cookie, "alice@hotmail.com Alice "+caps)
		for _, m := range msgs {
			y.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(m)), string(m))
		}
		<-done
		y.barrier(yuki.email)
		yuki.Sync()
	})

	t.Run("unanswered", func(t *testing.T) {
		s := newStack(t, Options{BridgeRingTimeout: 5 * time.Millisecond}, false)
		alice := s.signIn("alice@hotmail.com", "Alice", store.NetworkMSN)
		yuki := s.signIn("yuki@yahoo.com", "Yuki", store.NetworkYahoo)
		for _, m := range msgs {
			alice.uum(yuki.email, 1, m)
			time.Sleep(time.Millisecond)
		}
		rings := 0
		for i := 0; i < n; {
			line, p := yuki.Read()
			if strings.HasPrefix(line, "RNG ") {
				rings++
				continue
			}
			if want := fmt.Sprintf("UBM alice@hotmail.com 1 1 %d", len(msgs[i])); line != want || string(p) != string(msgs[i]) {
				t.Fatalf("message %d: got %q %q", i, line, p)
			}
			i++
		}
		if rings != 1 {
			t.Fatalf("%d rings, want 1 (then the cool-down)", rings)
		}
		yuki.Sync()
		alice.Sync()
	})
}

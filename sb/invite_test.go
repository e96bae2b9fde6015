package sb

import (
	"fmt"
	"testing"

	"msnserver/store"
)

// TestCallAnswer is switchboard.md §12: alice opens a session, calls bob,
// bob answers from his RNG.
func TestCallAnswer(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob Smith")

	a := e.dial("alice")
	a.Sendf("USR 1 alice@hotmail.com %s", e.hub.IssueCookie("alice@hotmail.com", ""))
	a.Expect("USR 1 OK alice@hotmail.com Alice")
	a.Send("CAL 2 bob@hotmail.com")
	ringing := a.ExpectPrefix("CAL 2 RINGING ")
	sid := ringing[len("CAL 2 RINGING "):]
	if len(sid) < 9 || len(sid) > 10 {
		t.Fatalf("session id %q: want 9-10 digits", sid)
	}

	rng, rsid, cookie := bob.rng(t)
	if want := fmt.Sprintf("RNG %s %s CKI %s alice@hotmail.com Alice U messenger.hotmail.com 1", sid, e.addr, cookie); rng != want {
		t.Fatalf("RNG\nwant %q\n got %q", want, rng)
	}
	if rsid != sid {
		t.Fatalf("RNG session %s, CAL said %s", rsid, sid)
	}

	b := e.dial("bob")
	b.Sendf("ANS 1 bob@hotmail.com %s %s", cookie, sid)
	b.Expect("IRO 1 1 1 alice@hotmail.com Alice " + caps)
	b.Expect("ANS 1 OK")
	a.Expect("JOI bob@hotmail.com Bob%20Smith " + caps)

	if n := alice.ns.SwitchboardCount() + bob.ns.SwitchboardCount(); n != 2 {
		t.Fatalf("switchboard count %d, want 2", n)
	}
	infos := e.srv.Sessions()
	if len(infos) != 1 || infos[0].ID != sid || fmt.Sprint(infos[0].Members) != "[alice@hotmail.com bob@hotmail.com]" {
		t.Fatalf("Sessions() = %+v", infos)
	}
}

// TestThreeParty: a third user gets one IRO per member; both get JOI; a
// message from anyone reaches the two others.
func TestThreeParty(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	carol := e.login("carol@hotmail.com", "Carol")
	sbs := e.chat(alice, bob)
	a, b := sbs[0], sbs[1]

	a.Send("CAL 5 carol@hotmail.com")
	a.ExpectPrefix("CAL 5 RINGING ")
	_, sid, cookie := carol.rng(t)
	c := e.dial("carol")
	c.Sendf("ANS 7 carol@hotmail.com %s %s", cookie, sid)
	c.Expect("IRO 7 1 2 alice@hotmail.com Alice " + caps)
	c.Expect("IRO 7 2 2 bob@hotmail.com Bob " + caps)
	c.Expect("ANS 7 OK")
	a.Expect("JOI carol@hotmail.com Carol " + caps)
	b.Expect("JOI carol@hotmail.com Carol " + caps)

	hello := []byte(textMsg("hi both"))
	tr := c.msg("A", hello)
	a.ExpectCmd(fmt.Sprintf("MSG carol@hotmail.com Carol %d", len(hello)), string(hello))
	b.ExpectCmd(fmt.Sprintf("MSG carol@hotmail.com Carol %d", len(hello)), string(hello))
	c.Expect(fmt.Sprintf("ACK %d", tr))
}

// TestCallErrors: 208 for a bad or unknown handle, 215 for oneself or a
// member, 217 for offline, hidden, blocking, network-32 and a full session.
func TestCallErrors(t *testing.T) {
	e := newEnv(t, Options{MaxMembers: 3})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	e.account("dave@hotmail.com", "Dave", store.NetworkMSN) // exists, offline
	hidden := e.login("hidden@hotmail.com", "Hidden")
	hidden.ns.SetStatus("2", "HDN", caps, "0")
	blocker := e.login("blocker@hotmail.com", "Blocker")
	blocker.ns.SetLists(&store.Lists{BLP: "AL", Block: map[string]int{"alice@hotmail.com": 1}})
	strict := e.login("strict@hotmail.com", "Strict") // BLP BL, alice not on AL
	strict.ns.SetLists(&store.Lists{BLP: "BL"})
	e.loginNet("yuki@yahoo.com", "Yuki", store.NetworkYahoo)
	carol := e.login("carol@hotmail.com", "Carol")
	erin := e.login("erin@hotmail.com", "Erin")

	sbs := e.chat(alice, bob)
	a := sbs[0]
	for _, tc := range []struct{ handle, want string }{
		{"dave@hotmail.com", "217"},
		{"nobody@hotmail.com", "208"},
		{"hello", "208"},
		{"alice@hotmail.com", "215"},
		{"ALICE@hotmail.com", "215"},
		{"bob@hotmail.com", "215"},
		{"hidden@hotmail.com", "217"},
		{"blocker@hotmail.com", "217"},
		{"strict@hotmail.com", "217"},
		{"yuki@yahoo.com", "217"},
	} {
		tr := a.nextTrID()
		a.Sendf("CAL %d %s", tr, tc.handle)
		a.Expect(fmt.Sprintf("%s %d", tc.want, tr))
	}
	e.invite(a, carol, sbs[1])
	tr := a.nextTrID()
	a.Sendf("CAL %d %s", tr, erin.email)
	a.Expect(fmt.Sprintf("217 %d", tr)) // MaxMembers 3
	select {
	case l := <-erin.out.lines:
		t.Fatalf("erin was rung into a full session: %q", l)
	default:
	}

	// Two network-32 accounts see each other as Yahoo contacts: no
	// switchboard between them (MSN callees are bridged, yahoo_test.go).
	e.loginNet("yoko@yahoo.com", "Yoko", store.NetworkYahoo)
	yuki := e.hub.Lookup("yuki@yahoo.com")
	y := e.dial("yuki")
	y.Sendf("USR 1 yuki@yahoo.com %s", e.hub.IssueCookie(yuki.Email, ""))
	y.Expect("USR 1 OK yuki@yahoo.com Yuki")
	y.Send("CAL 2 yoko@yahoo.com")
	y.Expect("217 2")
}

// TestCallTooRapid: after the burst, CAL gets 713 until the bucket refills.
func TestCallTooRapid(t *testing.T) {
	e := newEnv(t, Options{CallBurst: 5, CallInterval: 1 << 40})
	alice := e.login("alice@hotmail.com", "Alice")
	e.account("dave@hotmail.com", "Dave", store.NetworkMSN)
	a := e.open(alice)
	for i := 0; i < 5; i++ {
		tr := a.nextTrID()
		a.Sendf("CAL %d dave@hotmail.com", tr)
		a.Expect(fmt.Sprintf("217 %d", tr))
	}
	tr := a.nextTrID()
	a.Sendf("CAL %d dave@hotmail.com", tr)
	a.Expect(fmt.Sprintf("713 %d", tr))
}

// TestCookies: a forged, reused or misused cookie gets 911 and a close.
func TestCookies(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")

	c := e.dial("forged")
	c.Send("USR 1 alice@hotmail.com 123456789.123456789.123456789")
	c.Expect("911 1")
	c.ExpectClosed()

	cookie := e.hub.IssueCookie(alice.email, "")
	c = e.dial("first")
	c.Sendf("USR 1 alice@hotmail.com %s", cookie)
	c.Expect("USR 1 OK alice@hotmail.com Alice")
	c = e.dial("reused")
	c.Sendf("USR 1 alice@hotmail.com %s", cookie)
	c.Expect("911 1")
	c.ExpectClosed()

	c = e.dial("other user")
	c.Sendf("USR 1 bob@hotmail.com %s", e.hub.IssueCookie(alice.email, ""))
	c.Expect("911 1")
	c.ExpectClosed()

	a := e.open(alice)
	a.Send("CAL 9 bob@hotmail.com")
	a.ExpectPrefix("CAL 9 RINGING ")
	_, sid, ring := bob.rng(t)

	c = e.dial("RNG cookie on USR")
	c.Sendf("USR 1 bob@hotmail.com %s", ring)
	c.Expect("911 1")
	c.ExpectClosed()

	ring = e.hub.IssueCookie(bob.email, sid)
	c = e.dial("wrong session")
	c.Sendf("ANS 1 bob@hotmail.com %s 1000000001", ring)
	c.Expect("911 1")
	c.ExpectClosed()

	c = e.dial("XFR cookie on ANS")
	c.Sendf("ANS 1 bob@hotmail.com %s %s", e.hub.IssueCookie(bob.email, ""), sid)
	c.Expect("911 1")
	c.ExpectClosed()

	ring = e.hub.IssueCookie(bob.email, sid)
	b := e.dial("bob")
	b.Sendf("ANS 2 bob@hotmail.com %s %s", ring, sid)
	b.ExpectPrefix("IRO 2 1 1 alice@hotmail.com ")
	b.Expect("ANS 2 OK")
	a.Expect("JOI bob@hotmail.com Bob " + caps)
	c = e.dial("reused RNG cookie")
	c.Sendf("ANS 2 bob@hotmail.com %s %s", ring, sid)
	c.Expect("911 2")
	c.ExpectClosed()

	// A second ANS of a member, with a fresh cookie, is refused too.
	c = e.dial("bob again")
	c.Sendf("ANS 3 bob@hotmail.com %s %s", e.hub.IssueCookie(bob.email, sid), sid)
	c.Expect("911 3")
	c.ExpectClosed()

	// So is a cookie of a user who is not signed in to the NS.
	e.account("dave@hotmail.com", "Dave", store.NetworkMSN)
	c = e.dial("offline")
	c.Sendf("USR 1 dave@hotmail.com %s", e.hub.IssueCookie("dave@hotmail.com", ""))
	c.Expect("911 1")
	c.ExpectClosed()
}

// TestAnswerEndedSession: ANS into a session whose members all left is 911.
func TestAnswerEndedSession(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	a := e.open(alice)
	a.Send("CAL 2 bob@hotmail.com")
	a.ExpectPrefix("CAL 2 RINGING ")
	_, sid, cookie := bob.rng(t)
	a.Send("OUT")
	a.ExpectClosed()
	waitFor(t, func() bool { return len(e.srv.Sessions()) == 0 })
	b := e.dial("bob")
	b.Sendf("ANS 1 bob@hotmail.com %s %s", cookie, sid)
	b.Expect("911 1")
	b.ExpectClosed()
}

// TestSessionsPerUser: beyond the limit USR gets 713 and a close.
func TestSessionsPerUser(t *testing.T) {
	e := newEnv(t, Options{MaxSessionsPerUser: 2})
	alice := e.login("alice@hotmail.com", "Alice")
	e.open(alice)
	e.open(alice)
	c := e.dial("third")
	c.Sendf("USR 1 alice@hotmail.com %s", e.hub.IssueCookie(alice.email, ""))
	c.Expect("713 1")
	c.ExpectClosed()
	if n := alice.ns.SwitchboardCount(); n != 2 {
		t.Fatalf("switchboard count %d, want 2", n)
	}
}

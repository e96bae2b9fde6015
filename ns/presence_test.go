package ns

import (
	"strings"
	"testing"
)

const nobodyUBX = "<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>"

// befriend makes a and b mutual FL+AL contacts through incremental ADL and
// drains the reverse-list notifications.
func befriend(t *testing.T, a, b *client, aEmail, bEmail string) {
	t.Helper()
	a.SendPayload("ADL "+a.next(), ml(bEmail, 3))
	a.Barrier()
	b.SendPayload("ADL "+b.next(), ml(aEmail, 3))
	b.Barrier()
	a.Barrier()
}

func ml(email string, lists int) string {
	at := strings.IndexByte(email, '@')
	return `<ml><d n="` + email[at+1:] + `"><c n="` + email[:at] + `" l="` + string(rune('0'+lists)) + `" t="1" /></d></ml>`
}

func TestAddContactAndPresence(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob Smith", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	b := ts.login("bob@hotmail.com", "pw")
	b.online()

	// Alice adds Bob: OK, then Bob's presence with the ADL's TrID.
	a.SendPayload("ADL 8", ml("bob@hotmail.com", 3))
	a.Expect("ADL 8 OK")
	a.Expect("ILN 8 NLN bob@hotmail.com 1 Bob%20Smith 1611513916 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", nobodyUBX)
	// Bob learns he is on Alice's list (RL), then the address-book NOT.
	b.ExpectPayload("ADL 0", `<ml><d n="hotmail.com"><c n="alice" t="1" l="8" f="Alice" /></d></ml>`)
	line, not := b.ReadPayloadCmd()
	if !strings.HasPrefix(line, "NOT ") || !strings.Contains(not, "ABCHInternal") || !strings.HasSuffix(not, "\r\n") {
		t.Fatalf("NOT: %q %q", line, not)
	}
	// Bob accepts: Alice now sees... Bob sees Alice once Bob lists her.
	b.SendPayload("ADL 8", ml("alice@hotmail.com", 3))
	b.Expect("ADL 8 OK")
	b.Expect("ILN 8 NLN alice@hotmail.com 1 Alice 1611513916 0")
	b.ExpectPayload("UBX alice@hotmail.com 1", nobodyUBX)
	a.Barrier() // Alice's ADL 0 + NOT for Bob adding her back

	// Status, name and personal message changes reach the watcher once each.
	b.Send("CHG 9 AWY 1611513916 0")
	b.Expect("CHG 9 AWY 1611513916 0")
	a.Expect("NLN AWY bob@hotmail.com 1 Bob%20Smith 1611513916 0")
	b.Send("PRP 10 MFN Bobby%20%E2%9C%93")
	b.Expect("PRP 10 MFN Bobby%20%E2%9C%93")
	a.Expect("NLN AWY bob@hotmail.com 1 Bobby%20%E2%9C%93 1611513916 0")
	uux := `<Data><PSM>at work &amp; busy</PSM><CurrentMedia></CurrentMedia><MachineGuid>{0061D708-CD9B-4D56-B64B-FFFAA92FF344}</MachineGuid></Data>`
	b.SendPayload("UUX 11", uux)
	b.Expect("UUX 11 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", uux)
	if got := a.Barrier(); len(got) != 0 {
		t.Fatalf("unexpected extra lines: %q", got)
	}

	// Appear offline: FLN; back online: NLN and the personal message.
	b.Send("CHG 12 HDN 1611513916 0")
	b.Expect("CHG 12 HDN 1611513916 0")
	a.Expect("FLN bob@hotmail.com 1 0")
	b.Send("CHG 13 NLN 1611513916 0")
	b.Expect("CHG 13 NLN 1611513916 0")
	a.Expect("NLN NLN bob@hotmail.com 1 Bobby%20%E2%9C%93 1611513916 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", uux)

	// Logging out sends FLN; so does a dropped connection.
	b.Send("OUT")
	b.ExpectClosed()
	a.Expect("FLN bob@hotmail.com 1 0")
	b = ts.login("bob@hotmail.com", "pw")
	b.online("alice@hotmail.com")
	b.Expect("ILN 7 NLN alice@hotmail.com 1 Alice 1611513916 0")
	b.ExpectPayload("UBX alice@hotmail.com 1", nobodyUBX)
	a.Expect("NLN NLN bob@hotmail.com 1 Bobby%20%E2%9C%93 1611513916 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", "<Data><PSM>at work &amp; busy</PSM><CurrentMedia></CurrentMedia></Data>")
	b.Conn.Close()
	a.Expect("FLN bob@hotmail.com 1 0")
}

func TestBlockAndPrivacy(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	ts.addUser("carol@hotmail.com", "pw", "Carol", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	b := ts.login("bob@hotmail.com", "pw")
	b.online()
	befriend(t, a, b, "alice@hotmail.com", "bob@hotmail.com")

	// Alice blocks Bob: RML AL + ADL BL; Bob sees her go offline.
	a.SendPayload("RML 20", ml("bob@hotmail.com", 2))
	a.Expect("RML 20 OK")
	a.SendPayload("ADL 21", ml("bob@hotmail.com", 4))
	a.Expect("ADL 21 OK")
	b.Expect("FLN alice@hotmail.com 1 0")
	a.Send("CHG 22 BSY 1611513916 0")
	a.Expect("CHG 22 BSY 1611513916 0")
	if got := b.Barrier(); len(got) != 0 {
		t.Fatalf("blocked watcher was told: %q", got)
	}
	// Unblock: Bob sees her again.
	a.SendPayload("RML 23", ml("bob@hotmail.com", 4))
	a.Expect("RML 23 OK")
	b.Expect("NLN BSY alice@hotmail.com 1 Alice 1611513916 0")
	b.ExpectPayload("UBX alice@hotmail.com 1", nobodyUBX)

	// BLP BL: only the allow list sees Alice. Carol adds Alice but is not allowed.
	a.Send("BLP 24 BL")
	a.Expect("BLP 24 BL")
	c := ts.login("carol@hotmail.com", "pw")
	c.online()
	c.SendPayload("ADL 8", ml("alice@hotmail.com", 3))
	c.Expect("ADL 8 OK")
	if got := c.Barrier(); len(got) != 0 {
		t.Fatalf("carol sees alice under BLP BL: %q", got)
	}
	// Bob is on neither of Alice's lists any more (RML took him off AL, then BL).
	b.Expect("FLN alice@hotmail.com 1 0")
	a.Barrier() // Carol's reverse-list ADL 0 + NOT
	a.Send("BLP 25 AL")
	a.Expect("BLP 25 AL")
	b.Expect("NLN BSY alice@hotmail.com 1 Alice 1611513916 0")
	b.ExpectPayload("UBX alice@hotmail.com 1", nobodyUBX)
	c.Expect("NLN BSY alice@hotmail.com 1 Alice 1611513916 0")
	c.ExpectPayload("UBX alice@hotmail.com 1", nobodyUBX)
}

func TestListErrors(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("yuki@yahoo.com", "pw", "Yuki", 32)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	cases := []struct{ payload, want string }{
		{`<ml><d n="hotmail.com"><c n="ghost" l="1" t="1" /></d></ml>`, "208"},
		{`<ml><d n="yahoo.com"><c n="yuki" l="1" t="1" /></d></ml>`, "208"}, // wrong network
		{`<ml><d n="hotmail.com"><c n="x" l="8" t="1" /></d></ml>`, "241"},
		{`<ml><d n="hotmail.com"><c n="x" l="16" t="1" /></d></ml>`, "241"},
		{`<ml><d n="hotmail.com"><c n="x" l="abc" t="1" /></d></ml>`, "241"},
		{`<ml><d n="hotmail.com"><c n="x" l="6" t="1" /></d></ml>`, "241"},
		{`<ml><d n="hotmail.com"><c n="x" t="1" /></d></ml>`, "241"},
		{`<ml><d><c n="x" l="1" t="1" /></d></ml>`, "241"},
		{`<ml><d n="hotmail.com"></d></ml>`, "240"},
		{`<ml></ml>`, "240"},
		{`<ml><d n="hotmail.com"><c n="x" l="1" t="256" /></d></ml>`, "204"},
		{`<ml><d n="hotmail.com"><c n="x" l="1"`, "241"},
		{`<notml/>`, "241"},
	}
	for i, tc := range cases {
		trid := a.next()
		a.SendPayload("ADL "+trid, tc.payload)
		a.Expect(tc.want + " " + trid)
		_ = i
	}
	a.SendPayload("RML 40", `<ml><d n="hotmail.com"><c n="ghost" l="1" t="1" /></d></ml>`)
	a.Expect("RML 40 OK")
	a.SendPayload("FQY 41", `<ml><d n="yahoo.com"><c n="yuki" /></d></ml>`)
	a.ExpectPayload("FQY 41", `<ml><d n="yahoo.com"><c n="yuki" t="32" /></d></ml>`)
	a.SendPayload("FQY 42", `<ml><d n="hotmail.com"><c n="alice" /></d></ml>`)
	a.ExpectPayload("FQY 42", `<ml><d n="hotmail.com"><c n="alice" t="1" /></d></ml>`)
	a.SendPayload("FQY 43", `<ml><d n="hotmail.com"><c n="ghost" /></d></ml>`)
	a.Expect("208 43")
	a.SendPayload("UUX 44", `<notdata/>`)
	a.Expect("201 44")
	a.ExpectClosed()
}

func TestListsPersistAcrossRestart(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	a.SendPayload("ADL 8", ml("bob@hotmail.com", 5)) // FL + BL
	a.Expect("ADL 8 OK")
	a.Send("BLP 9 BL")
	a.Expect("BLP 9 BL")
	ts.restart(Options{})
	_, l, err := ts.store.Lists("alice@hotmail.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Forward["bob@hotmail.com"]; !ok || l.BLP != "BL" || !l.Blocks("bob@hotmail.com") {
		t.Fatalf("alice's lists after restart: %+v", l)
	}
	_, bl, _ := ts.store.Lists("bob@hotmail.com")
	if _, ok := bl.Reverse["alice@hotmail.com"]; !ok {
		t.Fatalf("bob's reverse list after restart: %+v", bl)
	}
}

// TestMSNP13Dialect: a client that negotiated MSNP13 gets presence without
// network ids and XFR without the direct-connect flag, while an MSNP14
// client watching the same user gets the MSNP14 forms.
func TestMSNP13Dialect(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("beta@hotmail.com", "pw", "Beta", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()

	c := ts.dial("beta")
	c.Send("VER 1 MSNP13 CVR0")
	c.Expect("VER 1 MSNP13")
	c.Send("USR 2 TWN I beta@hotmail.com")
	c.ReadLine()
	c.ReadPayloadCmd()
	tk, _ := ts.rst("beta@hotmail.com", "pw")
	c.Send("USR 3 TWN S " + tk)
	c.Expect("USR 3 OK beta@hotmail.com 1 0")
	c.Expect("SBS 0 null")
	c.ReadPayloadCmd()
	c.SendPayload("ADL 4", ml("alice@hotmail.com", 3))
	c.Expect("ADL 4 OK")
	c.Send("CHG 5 NLN 1342177280 0")
	c.Expect("CHG 5 NLN 1342177280 0")
	c.Expect("ILN 5 NLN alice@hotmail.com Alice 1611513916 0")
	c.ExpectPayload("UBX alice@hotmail.com", nobodyUBX)
	a.Barrier()
	a.SendPayload("ADL 8", ml("beta@hotmail.com", 3))
	a.Expect("ADL 8 OK")
	a.Expect("ILN 8 NLN beta@hotmail.com 1 Beta 1342177280 0")
	a.ExpectPayload("UBX beta@hotmail.com 1", nobodyUBX)
	c.Barrier()
	a.Send("CHG 9 BSY 1611513916 0")
	a.Expect("CHG 9 BSY 1611513916 0")
	c.Expect("NLN BSY alice@hotmail.com Alice 1611513916 0")
	a.Send("OUT")
	c.Expect("FLN alice@hotmail.com")
	c.Send("XFR 6 SB")
	c.ExpectRe(`XFR 6 SB 127\.0\.0\.1:1864 CKI \S+ U messenger\.msn\.com`)
}

// A UUX changes only what it carries: a document with only a machine GUID or
// a signature sound keeps the personal message (the stored one too), and an
// element sent empty clears that element.
func TestUUXKeepsWhatItLeavesOut(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	b := ts.login("bob@hotmail.com", "pw")
	b.online()
	befriend(t, a, b, "alice@hotmail.com", "bob@hotmail.com")

	b.SendPayload("UUX 20", `<Data><PSM>gone fishing</PSM><CurrentMedia></CurrentMedia></Data>`)
	b.Expect("UUX 20 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", `<Data><PSM>gone fishing</PSM><CurrentMedia></CurrentMedia></Data>`)

	b.SendPayload("UUX 21", `<Data><MachineGuid>{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}</MachineGuid></Data>`)
	b.Expect("UUX 21 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", `<Data><PSM>gone fishing</PSM><CurrentMedia></CurrentMedia><MachineGuid>{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}</MachineGuid></Data>`)

	b.SendPayload("UUX 22", `<Data><SignatureSound>http://example.org/s.mp3</SignatureSound></Data>`)
	b.Expect("UUX 22 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", `<Data><PSM>gone fishing</PSM><CurrentMedia></CurrentMedia><MachineGuid>{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}</MachineGuid><SignatureSound>http://example.org/s.mp3</SignatureSound></Data>`)

	// The stored message survived those documents: a new sign-in shows it.
	b.Send("OUT")
	b.ExpectClosed()
	a.Expect("FLN bob@hotmail.com 1 0")
	b = ts.login("bob@hotmail.com", "pw")
	b.online("alice@hotmail.com")
	b.Barrier()
	a.Expect("NLN NLN bob@hotmail.com 1 Bob 1611513916 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", `<Data><PSM>gone fishing</PSM><CurrentMedia></CurrentMedia></Data>`)

	// An empty <PSM> clears it, for the watcher and in the store.
	b.SendPayload("UUX 23", `<Data><PSM></PSM></Data>`)
	b.Expect("UUX 23 0")
	a.ExpectPayload("UBX bob@hotmail.com 1", nobodyUBX)
	if acct, err := ts.store.AccountByEmail("bob@hotmail.com"); err != nil || acct.PSM != "" {
		t.Fatalf("stored PSM after clearing: %+v, %v", acct, err)
	}

	// Not a <Data> document: an error and a close, as before.
	b.SendPayload("UUX 24", `<Other/>`)
	b.Expect("201 24")
	b.ExpectClosed()
}

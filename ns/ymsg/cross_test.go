package ymsg_test

import (
	"strings"
	"testing"

	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// A Yahoo user and a WLM user in one conversation: adding and allowing
// across networks, presence both ways (NLN/UBX with network 32 ↔ STATUS_15
// with 241=2), UUM ↔ MESSAGE, UBM ← MESSAGE, buzz ↔ nudge, typing, and
// markup neutralised on the way to Yahoo.
func TestCrossNetwork(t *testing.T) {
	s := newStack(t)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)
	alice := s.addUser("alice@hotmail.com", store.NetworkMSN)
	a := s.msnLogin(alice)
	carol := s.ylogin("carol", 0)
	carol.burst()

	// carol adds msn/alice: alice is told (ADL l=8 t=32), carol sees her.
	carol.send(packet.SvcAddBuddy, 0, 14, "hi", 65, "Friends", 97, 1, 1, "carol", 302, 319, 300, 319, 7, "alice@hotmail.com", 241, 2, 334, 0, 301, 319, 303, 319)
	carol.expectPairs(packet.SvcAddBuddy, packet.StatusServerAck, "1=carol 7=alice@hotmail.com 65=Friends 66=0 241=2")
	carol.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=alice@hotmail.com 10=0 13=1 241=2 301=315 303=315")
	_, ml := a.UntilCmd("ADL 0 ")
	if ml != `<ml><d n="yahoo.com"><c n="carol" t="32" l="8" f="carol" /></d></ml>` {
		t.Fatalf("reverse ADL: %s", ml)
	}

	// alice adds carol (FL|AL, network 32): carol allowed her when adding,
	// so alice sees carol at once: NLN with network 32.
	a.SendPayload("ADL "+a.next(), `<ml><d n="yahoo.com"><c n="carol" l="3" t="32" /></d></ml>`)
	if l, _ := a.UntilCmd("ILN "); !strings.HasSuffix(l, " NLN carol@yahoo.com 32 carol 1073741824 0") {
		t.Fatalf("ILN: %s", l)
	}

	// carol busy → BSY; carol's custom text → alice's PSM.
	carol.send(packet.SvcStatusUpdate, 0, 10, 2, 19, "", 47, 1)
	if l, _ := a.UntilCmd("NLN "); l != "NLN BSY carol@yahoo.com 32 carol 1073741824 0" {
		t.Fatalf("NLN: %s", l)
	}
	carol.send(packet.SvcStatusUpdate, 0, 10, 99, 97, 1, 19, "at <work> & \u00e9", 47, 1)
	if l, p := a.UntilCmd("UBX "); !strings.HasPrefix(l, "UBX carol@yahoo.com 32 ") || p != "<Data><PSM>at &lt;work&gt; &amp; \u00e9</PSM><CurrentMedia></CurrentMedia></Data>" {
		t.Fatalf("UBX: %s %s", l, p)
	}
	if l, _ := a.UntilCmd("NLN "); l != "NLN AWY carol@yahoo.com 32 carol 1073741824 0" {
		t.Fatalf("NLN: %s", l)
	}

	// alice busy with a PSM → carol sees a custom away status, text unescaped.
	a.SendPayload("UUX "+a.next(), "<Data><PSM>lunch &amp; more</PSM><CurrentMedia></CurrentMedia></Data>")
	carol.waitFor(packet.SvcStatus15, func(p *packet.Packet) bool {
		return p.Value(19) == "lunch & more" && p.Value(10) == "99" && p.Value(47) == "0"
	})
	a.Send("CHG " + a.next() + " BSY 1342177280 0")
	carol.waitFor(packet.SvcStatus15, func(p *packet.Packet) bool {
		return p.Value(7) == "alice@hotmail.com" && p.Value(10) == "99" && p.Value(47) == "1" && p.Value(241) == "2"
	})

	// carol → alice: UBM with the Yahoo markup stripped; buzz → nudge; typing.
	carol.send(packet.SvcMessage, 0x5A55AA56, 1, "carol", 5, "alice@hotmail.com", 241, 2, 97, 1, 14, "\x1b[1m<font face=\"Arial\" size=\"10\">hi \u00e9 <3</font>")
	if l, p := a.UntilCmd("UBM "); l != "UBM carol@yahoo.com 32 1 120" ||
		p != "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=0\r\n\r\nhi \u00e9 <3" {
		t.Fatalf("UBM: %s %q", l, p)
	}
	carol.send(packet.SvcMessage, 0x5A55AA56, 1, "carol", 5, "alice@hotmail.com", 241, 2, 97, 1, 14, "<ding>")
	if l, p := a.UntilCmd("UBM "); l != "UBM carol@yahoo.com 32 3 69" || p != "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n" {
		t.Fatalf("nudge: %s %q", l, p)
	}
	carol.send(packet.SvcNotify, packet.StatusTyping, 49, "TYPING", 1, "carol", 14, " ", 13, 1, 5, "alice@hotmail.com", 1002, 1, 241, 2)
	if l, p := a.UntilCmd("UBM "); l != "UBM carol@yahoo.com 32 2 88" || !strings.Contains(p, "TypingUser: carol@yahoo.com") {
		t.Fatalf("typing: %s %q", l, p)
	}

	// alice → carol over UUM: a MESSAGE with 241=2, never a switchboard ring.
	a.SendPayload("UUM "+a.next()+" carol@yahoo.com 32 1", "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\nhey <ding> \x1b[1m <font> \u2713")
	m := carol.waitFor(packet.SvcMessage, nil)
	if m.Status != packet.StatusServerAck || m.Value(4) != "alice@hotmail.com" || m.Value(5) != "carol" || m.Value(241) != "2" ||
		m.Value(14) != "hey <\u200bding> [1m <\u200bfont> \u2713" {
		t.Fatalf("message from alice: %v", m.Pairs)
	}
	a.SendPayload("UUM "+a.next()+" carol@yahoo.com 32 2", "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: alice@hotmail.com\r\n\r\n\r\n")
	carol.expectPairs(packet.SvcNotify, packet.StatusServerAck, "4=alice@hotmail.com 5=carol 13=1 14=  49=TYPING 241=2")
	a.SendPayload("UUM "+a.next()+" carol@yahoo.com 32 3", "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n")
	if m := carol.waitFor(packet.SvcMessage, nil); m.Value(14) != "<ding>" || m.Value(241) != "2" {
		t.Fatalf("nudge to carol: %v", m.Pairs)
	}
	s.bridged.mu.Lock()
	if len(s.bridged.calls) != 0 {
		t.Fatalf("UUM to a YMSG user went to the switchboard bridge: %v", s.bridged.calls)
	}
	s.bridged.mu.Unlock()

	// carol ignores alice: alice sees FLN; unignore brings her back.
	carol.send(packet.SvcIgnore, 0, 1, "carol", 7, "alice@hotmail.com", 241, 2, 13, 1)
	carol.waitFor(packet.SvcIgnore, nil)
	if l, _ := a.UntilCmd("FLN "); l != "FLN carol@yahoo.com 32 0" {
		t.Fatalf("FLN: %s", l)
	}
	carol.send(packet.SvcIgnore, 0, 1, "carol", 7, "alice@hotmail.com", 241, 2, 13, 2)
	a.UntilCmd("NLN AWY carol@yahoo.com 32")

	// alice signs out: carol gets the federated offline record.
	a.Send("OUT")
	carol.waitFor(packet.SvcStatus15, func(p *packet.Packet) bool {
		return pairs(p) == "302=315 300=315 7=alice@hotmail.com 10=-1 13=0 241=2 301=315 303=315"
	})
	// …and a message to her now is "not sent" (WLM takes no OIMs from Yahoo).
	carol.send(packet.SvcMessage, 0x5A55AA56, 1, "carol", 5, "alice@hotmail.com", 241, 2, 97, 1, 14, "x")
	carol.waitFor(packet.SvcMessage, func(p *packet.Packet) bool { return p.Status == packet.StatusNotSent })
}

// alice adds carol while carol is signed in: carol is asked (AUTH_REQ_15
// status 3, 241=2); her answer decides what alice sees. Pending requests
// are asked again at the next sign-in.
func TestAuthorizationFromWLM(t *testing.T) {
	s := newStack(t)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)
	alice := s.addUser("alice@hotmail.com", store.NetworkMSN)
	carol := s.ylogin("carol", 0)
	carol.burst()
	a := s.msnLogin(alice)
	a.SendPayload("ADL "+a.next(), `<ml><d n="yahoo.com"><c n="carol" l="3" t="32" /></d></ml>`)
	a.UntilCmd("ADL ")
	carol.expectPairs(packet.SvcAuthReq, packet.StatusAuthAsk, "4=alice@hotmail.com 5=carol 241=2")

	// Not answered: asked again at the next sign-in, after the list.
	carol.nc.Close()
	carol = s.ylogin("carol", 0)
	carol.burst()
	carol.expectPairs(packet.SvcAuthReq, packet.StatusAuthAsk, "4=alice@hotmail.com 5=carol 241=2")
	carol.send(packet.SvcAuthReq, 0, 1, "carol", 5, "alice@hotmail.com", 241, 2, 13, 1, 334, 0)
	if l, _ := a.UntilCmd("NLN "); l != "NLN NLN carol@yahoo.com 32 carol 1073741824 0" {
		t.Fatalf("after authorization: %s", l)
	}
}

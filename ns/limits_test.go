package ns

import (
	"fmt"
	"strings"
	"testing"
)

// TestSlowReaderDoesNotStallOthers: a watcher that never reads is dropped
// once its queue is full; the user it watches keeps getting prompt replies.
func TestSlowReaderDoesNotStallOthers(t *testing.T) {
	const queueLimit = 16 * 1024
	ts := startServer(t, Options{QueueLimit: queueLimit})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	// Bob's socket buffers are fixed small on both ends, so what the kernel
	// can hold for him is bounded here, not by the host's settings.
	const sockBuf = 8 * 1024
	ts.sockBuf.Store(sockBuf)
	b := ts.login("bob@hotmail.com", "pw")
	ts.sockBuf.Store(0)
	b.online()
	befriend(t, a, b, "alice@hotmail.com", "bob@hotmail.com")

	// Bob stops reading. Alice changes her personal message; each UBX to
	// Bob is ~2 KiB. Past his queue plus both socket buffers (the kernel
	// doubles a requested size) he must be dropped, and every UUX of
	// Alice's is answered meanwhile.
	psm := strings.Repeat("x", 2000)
	const bound = queueLimit + 4*2*sockBuf + 64*1024 // generous: loopback keeps some in flight
	sent, dropped := 0, false
	for i := 0; !dropped; i++ {
		if sent > bound {
			t.Fatalf("bob still connected after %d bytes of UBX were queued for him", sent)
		}
		trid := a.next()
		a.SendPayload("UUX "+trid, fmt.Sprintf("<Data><PSM>%s%d</PSM><CurrentMedia></CurrentMedia></Data>", psm, i))
		sent += len(psm) + 100
		for {
			l := a.ReadLine()
			if l == "UUX "+trid+" 0" {
				break
			}
			if l != "FLN bob@hotmail.com 1 0" {
				t.Fatalf("alice got %q", l)
			}
			dropped = true
		}
	}
	// The FLN went out when Bob's session left the hub; his reader may
	// notice the closed socket a little later, which changes nothing here.
	if ts.hub.Lookup("bob@hotmail.com") != nil {
		t.Fatal("bob was announced offline but is still in the hub")
	}
	// Alice was never held up: she still gets answers at once.
	a.Send("PNG")
	a.Expect("QNG 50")
}

func TestFailedLoginLimit(t *testing.T) {
	ts := startServer(t, Options{MaxFailedLogins: 3})
	ts.addUser("alice@hotmail.com", "pw", "", 1)
	try := func(tk string) string {
		c := ts.dial("alice")
		c.Send("VER 1 MSNP14")
		c.Expect("VER 1 MSNP14")
		c.Send("USR 2 TWN I alice@hotmail.com")
		c.ReadLine()
		c.ReadPayloadCmd()
		c.Send("USR 3 TWN S " + tk)
		return c.ReadLine()
	}
	for i := 0; i < 3; i++ {
		if got := try("t=forged&p="); got != "911 3" {
			t.Fatalf("forged ticket %d: %q", i, got)
		}
	}
	good, _ := ts.rst("alice@hotmail.com", "pw")
	if got := try(good); got != "911 3" {
		t.Fatalf("a valid ticket past the limit: %q", got)
	}
}

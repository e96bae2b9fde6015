package ns

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSlowReaderDoesNotStallOthers: a watcher that never reads is dropped
// once its queue is full; the user it watches keeps getting prompt replies.
func TestSlowReaderDoesNotStallOthers(t *testing.T) {
	ts := startServer(t, Options{QueueLimit: 16 * 1024})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	b := ts.login("bob@hotmail.com", "pw")
	b.online()
	befriend(t, a, b, "alice@hotmail.com", "bob@hotmail.com")
	// Bob stops reading. Alice changes her personal message many times; each
	// UBX to Bob is ~2 KiB, so his queue (and the socket buffers) fill up.
	psm := strings.Repeat("x", 2000)
	start := time.Now()
	for i := 0; i < 2000; i++ {
		trid := a.next()
		a.sendPayload("UUX "+trid, fmt.Sprintf("<Data><PSM>%s%d</PSM><CurrentMedia></CurrentMedia></Data>", psm, i))
		for {
			l := a.readLine()
			if l == "UUX "+trid+" 0" {
				break
			}
			if l != "FLN bob@hotmail.com 1 0" { // bob dropped
				t.Fatalf("alice got %q", l)
			}
		}
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("alice was slowed down by bob not reading: %v", d)
	}
	if ts.hub.Lookup("bob@hotmail.com") != nil {
		// Dropped connections leave the hub when their reader notices.
		deadline := time.Now().Add(5 * time.Second)
		for ts.hub.Lookup("bob@hotmail.com") != nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if ts.hub.Lookup("bob@hotmail.com") != nil {
			t.Fatal("the slow reader was never dropped")
		}
	}
}

func TestFailedLoginLimit(t *testing.T) {
	ts := startServer(t, Options{MaxFailedLogins: 3})
	ts.addUser("alice@hotmail.com", "pw", "", 1)
	try := func(tk string) string {
		c := ts.dial("alice")
		c.send("VER 1 MSNP14")
		c.expect("VER 1 MSNP14")
		c.send("USR 2 TWN I alice@hotmail.com")
		c.readLine()
		c.readPayloadCmd()
		c.send("USR 3 TWN S " + tk)
		return c.readLine()
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

package sb

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"msnserver/store"
)

// FuzzServe feeds arbitrary bytes to a switchboard connection in each state:
// the first byte picks it (0: fresh, 1: after a valid USR, 2: already in a
// session with another member). Whatever arrives, the connection must end
// without a panic, leave no member or session behind and give back its
// switchboard count. Seeds live in testdata/fuzz/FuzzServe.
func FuzzServe(f *testing.F) {
	f.Add([]byte("\x00USR 1 alice@hotmail.com x\r\n"))
	f.Add([]byte("\x01CAL 2 bob@hotmail.com\r\nMSG 3 A 5\r\nhelloOUT\r\n"))
	f.Add([]byte("\x02MSG 1 D 60\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: bob@hotmail.com\r\n\r\n\x00\x01"))

	e := newEnv(f, Options{CallBurst: 1 << 20})
	alice := e.login("alice@hotmail.com", "Alice")
	// bob is a member in mode 2 but hidden, and carol is offline: a CAL
	// that rings would leave an unused cookie in the hub for two minutes,
	// and millions of them slow every IssueCookie down. RINGING is covered
	// by the transcript tests.
	bob := e.login("bob@hotmail.com", "Bob")
	bob.ns.SetStatus("2", "HDN", caps, "0")
	e.account("carol@hotmail.com", "Carol", store.NetworkMSN)

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mode, input := data[0]%3, data[1:]
		var c *conn
		var other *conn
		var sess *session
		switch mode {
		case 0:
			c = e.srv.newConn(&memConn{r: bytes.NewReader(input)})
		case 1:
			usr := "USR 1 alice@hotmail.com " + e.hub.IssueCookie(alice.email, "") + "\r\n"
			c = e.srv.newConn(&memConn{r: bytes.NewReader(append([]byte(usr), input...))})
		case 2:
			sess = e.srv.newSession()
			other = memberConn(e.srv, bob, sess, bytes.NewReader(nil))
			sess.start(other)
			c = memberConn(e.srv, alice, sess, bytes.NewReader(input))
			sess.setMembersLocked(append(sess.members[:1:1], c))
		}
		done := make(chan struct{})
		go func() { e.srv.run(c); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("connection still running after 10s:\n%s", buf[:runtime.Stack(buf, true)])
		}
		if other != nil {
			other.leave()
			other.q.Close()
		}
		if n := e.srv.panics.Load(); n != 0 {
			t.Fatalf("%d panics", n)
		}
		if n := alice.ns.SwitchboardCount(); n != 0 {
			t.Fatalf("alice still counted in %d sessions", n)
		}
		if n := bob.ns.SwitchboardCount(); n != 0 {
			t.Fatalf("bob still counted in %d sessions", n)
		}
		if s := e.srv.allSessions(); len(s) != 0 {
			t.Fatalf("%d sessions left", len(s))
		}
		if n := e.srv.Connections(); n != 0 {
			t.Fatalf("%d connections left", n)
		}
	})
}

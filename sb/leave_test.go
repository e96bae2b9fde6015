package sb

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"msnserver/ns/msnptest"
)

// TestByeOnLeave: OUT gives BYE handle to the others, a dropped connection
// too; the session ends with its last member (switchboard.md §9).
func TestByeOnLeave(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	carol := e.login("carol@hotmail.com", "Carol")
	sbs := e.chat(alice, bob, carol)
	a, b, c := sbs[0], sbs[1], sbs[2]

	b.Send("OUT")
	b.ExpectClosed()
	a.Expect("BYE bob@hotmail.com")
	c.Expect("BYE bob@hotmail.com")
	if n := bob.ns.SwitchboardCount(); n != 0 {
		t.Fatalf("bob still counted in %d sessions", n)
	}

	c.Conn.Close()
	a.Expect("BYE carol@hotmail.com")

	// Alone, alice may call again; the session lives on.
	b = e.invite(a, bob)
	if info := e.srv.Sessions(); len(info) != 1 || len(info[0].Members) != 2 {
		t.Fatalf("Sessions() = %+v", info)
	}
	a.Send("OUT")
	a.ExpectClosed()
	b.Expect("BYE alice@hotmail.com")
	b.Conn.Close()
	waitFor(t, func() bool { return len(e.srv.Sessions()) == 0 && e.srv.Connections() == 0 })
	if n := alice.ns.SwitchboardCount() + bob.ns.SwitchboardCount(); n != 0 {
		t.Fatalf("switchboard count %d after everyone left", n)
	}
}

// TestDisconnect: removing a user's NS session from the switchboard gives the
// others BYE handle 1.
func TestDisconnect(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	if n := e.srv.Disconnect(bob.ns); n != 1 {
		t.Fatalf("Disconnect closed %d connections, want 1", n)
	}
	sbs[1].ExpectClosed()
	sbs[0].Expect("BYE bob@hotmail.com 1")
}

// TestIdle: a member who only listens stays while others talk; once the
// whole session is quiet for the idle limit, members are removed with BYE 1.
func TestIdle(t *testing.T) {
	e := newEnv(t, Options{IdleTimeout: 300 * time.Millisecond})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	a, b := sbs[0], sbs[1]
	m := []byte(typing)
	for i := 0; i < 8; i++ { // 800 ms of bob talking, alice silent
		b.msg("U", m)
		a.ExpectCmd(fmt.Sprintf("MSG bob@hotmail.com Bob %d", len(m)), string(m))
		time.Sleep(100 * time.Millisecond)
	}
	// Now silence: one of them times out first and the other hears of it.
	var byes int
	for _, c := range []*client{a, b} {
		for {
			l, _, err := c.Next()
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("%s: not removed when idle", c.Name)
				}
				break
			}
			if l != "BYE alice@hotmail.com 1" && l != "BYE bob@hotmail.com 1" {
				t.Fatalf("%s: unexpected %q", c.Name, l)
			}
			byes++
		}
	}
	if byes != 1 {
		t.Fatalf("%d BYE lines, want 1", byes)
	}
}

// TestAuthTimeout: a connection that never authenticates is closed.
func TestAuthTimeout(t *testing.T) {
	e := newEnv(t, Options{AuthTimeout: 200 * time.Millisecond})
	c := e.dial("silent")
	start := time.Now()
	c.ExpectClosed()
	// Well within the client's own wait: the server's timer closed it. (The
	// bound is loose so that a busy machine cannot fail the test.)
	if d := time.Since(start); d > msnptest.ReadWait/2 {
		t.Fatalf("closed after %v", d)
	}
}

// TestShutdown: Shutdown closes every connection and Serve returns.
func TestShutdown(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	idle := e.dial("idle")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range append(sbs, idle) {
		c.ExpectClosed("BYE alice@hotmail.com 1", "BYE bob@hotmail.com 1")
	}
	if _, err := net.Dial("tcp", e.addr); err == nil {
		t.Fatal("listener still open after Shutdown")
	}
}

// TestSlowReader: a member that stops reading is dropped once its queue
// overflows, and the others get BYE handle 1; the sender is not held up.
func TestSlowReader(t *testing.T) {
	e := newEnv(t, Options{QueueLimit: 64 << 10})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	a := sbs[0]
	sbs[1].Conn.(*net.TCPConn).SetReadBuffer(4096)
	big := make([]byte, 8000)
	copy(big, textMsg(""))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20000; i++ { // at most 160 MB; the kernel buffers a few MB
			select {
			case <-stop:
				return
			default:
			}
			if _, err := a.Conn.Write(append([]byte(fmt.Sprintf("MSG %d U 8000\r\n", i+1)), big...)); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, _, err := a.Next()
		if err == nil {
			if l != "BYE bob@hotmail.com 1" {
				t.Fatalf("alice: unexpected %q", l)
			}
			return
		}
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() || time.Now().After(deadline) {
			t.Fatalf("alice: no BYE for the slow reader: %v", err)
		}
	}
}

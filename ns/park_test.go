package ns

import (
	"strconv"
	"testing"
	"time"
)

// waitParked waits until n connections are parked.
func waitParked(t *testing.T, ts *testServer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for ts.srv.conns.Parked() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections parked, want %d", ts.srv.conns.Parked(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A parked connection answers its next command and is told about others.
func TestParkedConnection(t *testing.T) {
	ts := startServer(t, Options{ParkAfter: time.Millisecond})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	alice := ts.login("alice@hotmail.com", "pw")
	alice.online()
	bob := ts.login("bob@hotmail.com", "pw")
	bob.online()
	befriend(t, alice, bob, "alice@hotmail.com", "bob@hotmail.com")
	waitParked(t, ts, 2)

	alice.Send("PNG")
	alice.ExpectRe(`QNG \d+`)
	waitParked(t, ts, 2)

	// A push to a parked connection needs no reader.
	bob.Send("CHG " + bob.next() + " BSY 1611513916 0")
	bob.Expect("CHG " + strconv.Itoa(bob.trid) + " BSY 1611513916 0")
	alice.Expect("NLN BSY bob@hotmail.com 1 Bob 1611513916 0")
	alice.Send("OUT")
	alice.ExpectClosed()
}

// A parked connection silent past its idle limit is closed, and its user
// signed out.
func TestParkedConnectionIdleLimit(t *testing.T) {
	ts := startServer(t, Options{ParkAfter: time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	alice := ts.login("alice@hotmail.com", "pw")
	alice.Send("CHG 5 NLN 0 0")
	alice.Expect("CHG 5 NLN 0 0")
	alice.ExpectClosed("CHL", "MSG")
	deadline := time.Now().Add(10 * time.Second)
	for ts.hub.Lookup("alice@hotmail.com") != nil || ts.srv.conns.Parked() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the close: online %v, %d parked", ts.hub.Lookup("alice@hotmail.com") != nil, ts.srv.conns.Parked())
		}
		time.Sleep(time.Millisecond)
	}
}

// Kicking a parked connection (a second sign-in) ends it and its session.
func TestParkedConnectionKicked(t *testing.T) {
	ts := startServer(t, Options{ParkAfter: time.Millisecond})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	first := ts.login("alice@hotmail.com", "pw")
	first.online()
	waitParked(t, ts, 1)
	second := ts.login("alice@hotmail.com", "pw")
	first.Expect("OUT OTH")
	first.ExpectClosed()
	second.online()
	if s := ts.hub.Lookup("alice@hotmail.com"); s == nil {
		t.Fatal("the second sign-in is not online")
	}
}

package ns

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"msnserver/ns/hub"
)

// Initial ADLs of made-up contacts, sent again and again, are acknowledged
// but watch nothing: the session FL holds only what the stored address book
// holds, so it cannot grow past store.MaxContacts however many ADLs come.
func TestInitialADLWatchesOnlyStoredContacts(t *testing.T) {
	ts := startServer(t, Options{})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	ts.addUser("carol@hotmail.com", "pw", "Carol", 1)
	a := ts.login("alice@hotmail.com", "pw")
	a.online()
	b := ts.login("bob@hotmail.com", "pw")
	b.online()
	befriend(t, a, b, "alice@hotmail.com", "bob@hotmail.com")

	var made []string
	for i := 0; i < 1000; i++ {
		made = append(made, fmt.Sprintf("x%d@made-up.example", i))
	}
	for round := 0; round < 5; round++ {
		trid := a.next()
		a.SendPayload("ADL "+trid, initialML(append(made[:999:999], "carol@hotmail.com")...))
		a.Expect("ADL " + trid + " OK")
	}
	a.Barrier()
	s := ts.hub.Lookup("alice@hotmail.com")
	if s == nil {
		t.Fatal("alice is not online")
	}
	for _, e := range []string{made[0], made[998], "carol@hotmail.com"} {
		if s.Forward(e) {
			t.Fatalf("the session watches %s, which alice's address book does not hold", e)
		}
	}
	if !s.Forward("bob@hotmail.com") {
		t.Fatal("the stored contact is no longer watched")
	}
}

// Pipelined XFR SB: past the burst they get 713; with a generous rate, the
// cap on outstanding invitations (hub.MaxInvitations) gives 713 instead,
// so a user cannot pile up two-minute cookies.
func TestXFRLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  Options
		allow int
	}{
		{"rate", Options{XFRBurst: 10, XFRInterval: 1 << 40}, 10},
		{"outstanding", Options{XFRBurst: 1000, XFRInterval: time.Millisecond}, hub.MaxInvitations},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.opts)
			ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
			a := ts.login("alice@hotmail.com", "pw")
			a.online()
			var batch strings.Builder
			for i := 0; i < 200; i++ {
				fmt.Fprintf(&batch, "XFR %d SB\r\n", 100+i)
			}
			a.Conn.Write([]byte(batch.String()))
			ok, refused := 0, 0
			for i := 0; i < 200; i++ {
				l := a.ReadLine()
				switch {
				case strings.HasPrefix(l, fmt.Sprintf("XFR %d SB ", 100+i)):
					ok++
				case l == fmt.Sprintf("713 %d", 100+i):
					refused++
				default:
					t.Fatalf("XFR %d: %q", 100+i, l)
				}
			}
			if ok != tc.allow || refused != 200-tc.allow {
				t.Fatalf("%d handed out, %d refused; want %d handed out", ok, refused, tc.allow)
			}
		})
	}
}

package ns

import (
	"fmt"
	"testing"
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
		a.sendPayload("ADL "+trid, initialML(append(made[:999:999], "carol@hotmail.com")...))
		a.expect("ADL " + trid + " OK")
	}
	a.barrier()
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

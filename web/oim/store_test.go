package oim

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"msnserver/ns/challenge"
	"msnserver/store"
)

const lockKeyPrefix = `<LockKeyChallenge xmlns="http://messenger.msn.com/ws/2004/09/oim/">`

func TestStoreLockKeyHandshake(t *testing.T) {
	e := newEnv(t, Options{})

	// 1. No lock key: AuthenticationFailed with a challenge and the policy.
	r := e.store(oimMsg{text: "first"})
	if r.status != http.StatusInternalServerError || r.faultCode() != "q0:AuthenticationFailed" {
		t.Fatalf("Store without lock key: %s", r)
	}
	if !strings.Contains(string(r.body), `<faultcode xmlns:q0="`+NSOIM+`">q0:AuthenticationFailed</faultcode>`) {
		t.Fatalf("faultcode does not bind q0: %s", r.body)
	}
	i := strings.Index(string(r.body), lockKeyPrefix)
	if i < 0 {
		t.Fatalf("no %s in %s", lockKeyPrefix, r.body)
	}
	// msn-pecan skips the 67-character prefix and reads up to '<'.
	chl, _, _ := strings.Cut(string(r.body[i+67:]), "<")
	if !regexp.MustCompile(`^[1-9][0-9]{9}$`).MatchString(chl) {
		t.Fatalf("LockKeyChallenge %q is not 10 digits", chl)
	}
	if tw, _ := r.text("TweenerChallenge"); !strings.Contains(tw, "wp=FS_40SEC_0_COMPACT") || !strings.Contains(tw, "tpf=") {
		t.Fatalf("TweenerChallenge %q", tw)
	}
	if actor, _ := r.text("faultactor"); actor != "https://ows.messenger.msn.com/OimWS/oim.asmx" {
		t.Fatalf("faultactor %q", actor)
	}

	// 2. A wrong answer gets a new challenge, and nothing is stored.
	r = e.store(oimMsg{text: "first", lockkey: strings.Repeat("0", 32)})
	chl2, ok := r.text("LockKeyChallenge")
	if r.status != http.StatusInternalServerError || !ok || chl2 == chl {
		t.Fatalf("Store with a wrong lock key: %s", r)
	}
	// The first challenge was replaced: its answer no longer works.
	r = e.store(oimMsg{text: "first", lockkey: challenge.Response(chl, wlmProductID, wlmProductKey)})
	if _, ok := r.text("LockKeyChallenge"); !ok {
		t.Fatalf("answer to a replaced challenge accepted: %s", r)
	}
	chl = mustText(t, r, "LockKeyChallenge")

	// 3. The right answer stores the message.
	key := challenge.Response(chl, wlmProductID, wlmProductKey)
	r = e.store(oimMsg{text: "first", lockkey: strings.ToUpper(key)})
	if r.status != http.StatusOK {
		t.Fatalf("Store with the right lock key: %s", r)
	}
	if _, ok := r.text("StoreResponse"); !ok {
		t.Fatalf("no StoreResponse: %s", r)
	}
	for _, want := range []string{
		`<StoreResponse xmlns="http://messenger.msn.com/ws/2004/09/oim/"><PointsConsumed>0</PointsConsumed></StoreResponse>`,
		`<SequenceAcknowledgment xmlns="http://schemas.xmlsoap.org/ws/2003/03/rm"><Identifier xmlns="http://schemas.xmlsoap.org/ws/2002/07/utility">http://messenger.msn.com</Identifier><AcknowledgmentRange Upper="1" Lower="1"></AcknowledgmentRange></SequenceAcknowledgment>`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Fatalf("answer lacks %s:\n%s", want, r.body)
		}
	}

	// 4. The accepted key is reused for the next messages of the run.
	r = e.store(oimMsg{text: "second", seq: 2, lockkey: key})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `Upper="2" Lower="2"`) {
		t.Fatalf("Store reusing the lock key: %s", r)
	}
	if got := e.metadata("bob"); len(got) != 2 {
		t.Fatalf("bob has %d messages, want 2", len(got))
	}
	// Another sender cannot use alice's key.
	r = e.store(oimMsg{from: "carol", text: "x", lockkey: key})
	if _, ok := r.text("LockKeyChallenge"); !ok {
		t.Fatalf("carol used alice's lock key: %s", r)
	}
}

func mustText(t *testing.T, r reply, local string) string {
	t.Helper()
	s, ok := r.text(local)
	if !ok {
		t.Fatalf("no <%s> in %s", local, r)
	}
	return s
}

func TestLockKeyExampleAndUnknownProduct(t *testing.T) {
	// The worked example of offline-messages.md §3.3.
	if got := challenge.Response("1850937852", wlmProductID, wlmProductKey); got != "e745d4e406790fb5c5ca70041fbe06df" {
		t.Fatalf("lock key of the example: %s", got)
	}
	e := newEnv(t, Options{})
	// A product without a known key: any non-empty lock key (Escargot).
	if r := e.store(oimMsg{text: "hi", appid: "PROD9999XXXXXXXX", lockkey: "anything"}); r.status != http.StatusOK {
		t.Fatalf("unknown product with a lock key: %s", r)
	}
	if r := e.store(oimMsg{text: "hi", appid: "PROD9999XXXXXXXX"}); r.status != http.StatusInternalServerError {
		t.Fatalf("unknown product without a lock key: %s", r)
	}
	// The challenge expires.
	r := e.store(oimMsg{text: "hi"})
	chl := mustText(t, r, "LockKeyChallenge")
	e.clock.advance(challengeTTL + time.Second)
	r = e.store(oimMsg{text: "hi", lockkey: challenge.Response(chl, wlmProductID, wlmProductKey)})
	if _, ok := r.text("LockKeyChallenge"); !ok {
		t.Fatalf("answer to an expired challenge accepted: %s", r)
	}
}

func TestStore2Namespace(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.send(oimMsg{text: "via Store2", action: NSOIM2 + "Store2"})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `<StoreResponse xmlns="`+NSOIM2+`">`) {
		t.Fatalf("Store2: %s", r)
	}
}

func TestStoreLibpurpleLineEnds(t *testing.T) {
	e := newEnv(t, Options{})
	text := strings.Repeat("long line without wrapping, ", 10)
	if r := e.send(oimMsg{text: text, lf: true}); r.status != http.StatusOK {
		t.Fatalf("LF-only Store: %s", r)
	}
	m := e.metadata("bob")
	if len(m) != 1 {
		t.Fatalf("metadata %+v", m)
	}
	_, got := decodeResult(t, mustText(t, e.getMessage("bob", m[0].ID, false), "GetMessageResult"))
	if got != text {
		t.Fatalf("text %q, want %q", got, text)
	}
}

func TestStoreFaults(t *testing.T) {
	e := newEnv(t, Options{MaxTextBytes: 100})
	alice := e.users["alice"]
	// Give alice a lock key so that every case below reaches its own check.
	e.mustSend("alice", "carol", "warm-up")

	// Bob blocks alice on his BL; dave appears under BLP=BL without alice on AL.
	if err := e.st.UpdateBooks(func(b *store.Books) error {
		bob, err := b.Account("bob@hotmail.com")
		if err != nil {
			return err
		}
		_, err = b.SetMembership(bob, "alice@hotmail.com", 1, store.ListBlock, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mk := func(email string, network int, mut func(a *store.Account) error) {
		if _, err := e.st.CreateAccount(store.NewAccount{Email: email, Password: "secret-pw-1", Network: network}); err != nil {
			t.Fatal(err)
		}
		if mut != nil {
			if _, err := e.st.UpdateAccount(email, mut); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("dave@hotmail.com", 1, func(a *store.Account) error { a.BLP = "BL"; return nil })
	mk("yuki@yahoo.com", 32, nil)
	mk("gone@hotmail.com", 1, func(a *store.Account) error { a.Disabled = true; return nil })
	mk("zed@hotmail.com", 1, nil)
	zed, _ := e.st.AccountByEmail("zed@hotmail.com")
	e.users["zed"] = &user{acct: zed, ticket: "t=" + e.tickets.Issue(zed.ID) + "&p="}
	if _, err := e.st.UpdateAccount("zed@hotmail.com", func(a *store.Account) error { a.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}

	good := mimeBlock("hello", 1, false)
	cases := []struct {
		name string
		m    oimMsg
		code string
	}{
		{"forged ticket", oimMsg{text: "x", ticket: "t=forgedforgedforgedforgedforged&p="}, "q0:AuthenticationFailed"},
		{"ticket of another key", oimMsg{text: "x", ticket: "t=AQAAAAAAAAABAAAAAGkAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA&p="}, "q0:AuthenticationFailed"},
		{"ticket of no account", oimMsg{text: "x", ticket: "t=" + e.tickets.Issue(999999) + "&p="}, "q0:AuthenticationFailed"},
		{"disabled sender", oimMsg{from: "zed", text: "x"}, "q0:AuthenticationFailed"},
		{"sender is not the ticket's owner", oimMsg{from: "carol", ticket: alice.ticket, lockkey: alice.lockkey, text: "x"}, "q0:AuthenticationFailed"},
		{"unknown recipient", oimMsg{to: "nobody@hotmail.com", text: "x"}, "q0:SystemUnavailable"},
		{"malformed recipient", oimMsg{to: "not an address", text: "x"}, "q0:SystemUnavailable"},
		{"disabled recipient", oimMsg{to: "gone@hotmail.com", text: "x"}, "q0:SystemUnavailable"},
		{"yahoo recipient", oimMsg{to: "yuki@yahoo.com", text: "x"}, "q0:SystemUnavailable"},
		{"recipient blocks sender", oimMsg{to: "bob", text: "x"}, "q0:SystemUnavailable"},
		{"recipient BLP=BL", oimMsg{to: "dave@hotmail.com", text: "x"}, "q0:SystemUnavailable"},
		{"text too long", oimMsg{to: "carol", text: strings.Repeat("é", 51)}, "q0:InvalidContent"},
		{"empty text", oimMsg{to: "carol", content: strings.TrimSuffix(good, "aGVsbG8=")}, "q0:InvalidContent"},
		{"bad base64", oimMsg{to: "carol", content: strings.Replace(good, "aGVsbG8=", "aGV*bG8=", 1)}, "q0:InvalidContent"},
		{"sequence mismatch", oimMsg{to: "carol", text: "x", messageNumber: "2"}, "q0:InvalidContent"},
		{"sequence zero", oimMsg{to: "carol", content: strings.Replace(good, "Sequence-Num: 1", "Sequence-Num: 0", 1), messageNumber: "0"}, "q0:InvalidContent"},
		{"no run id", oimMsg{to: "carol", content: strings.Replace(good, "X-OIM-Run-Id: {3A1D4F2B-9C8E-4B7A-A6D5-0E1F2A3B4C5D}\r\n", "", 1)}, "q0:InvalidContent"},
		{"run id not a GUID", oimMsg{to: "carol", content: strings.Replace(good, "{3A1D4F2B-9C8E", "{3A1D4F2B+9C8E", 1)}, "q0:InvalidContent"},
		{"wrong message type header", oimMsg{to: "carol", content: strings.Replace(good, "OfflineMessage", "Spam", 1)}, "q0:InvalidContent"},
		{"not base64", oimMsg{to: "carol", content: strings.Replace(good, "base64", "quoted-printable", 1)}, "q0:InvalidContent"},
		{"not text/plain", oimMsg{to: "carol", content: strings.Replace(good, "text/plain", "text/html", 1)}, "q0:InvalidContent"},
		{"MIME version", oimMsg{to: "carol", content: strings.Replace(good, "MIME-Version: 1.0", "MIME-Version: 2.0", 1)}, "q0:InvalidContent"},
		{"no empty line", oimMsg{to: "carol", content: strings.Replace(good, "\r\n\r\n", "\r\n", 1)}, "q0:InvalidContent"},
		{"repeated header", oimMsg{to: "carol", content: "X-OIM-Sequence-Num: 2\r\n" + good}, "q0:InvalidContent"},
		{"MessageType not text", oimMsg{to: "carol", text: "x", messageType: "voice"}, "q0:InvalidContent"},
		// A CR LF in the proxy would add a header (a second From) and push
		// the real headers into the body of the stored message.
		{"CRLF in proxy", oimMsg{to: "carol", text: "x", proxy: "MSNMSGR&#13;&#10;From: The Boss &lt;boss@hotmail.com&gt;&#13;&#10;&#13;&#10;"}, "q0:InvalidContent"},
		{"LF in proxy", oimMsg{to: "carol", text: "x", proxy: "MSNMSGR&#10;X-Evil: 1"}, "q0:InvalidContent"},
		{"NUL in proxy", oimMsg{to: "carol", text: "x", proxy: "MSN&#0;"}, "q0:InvalidContent"},
		{"long proxy", oimMsg{to: "carol", text: "x", proxy: strings.Repeat("P", 65)}, "q0:InvalidContent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.m.lockkey == "" && c.m.from != "carol" {
				c.m.lockkey = alice.lockkey
			}
			r := e.store(c.m)
			if r.status != http.StatusInternalServerError || r.faultCode() != c.code {
				t.Fatalf("got %s, want fault %s", r, c.code)
			}
			if _, ok := r.text("LockKeyChallenge"); ok {
				t.Fatalf("fault %s carries a lock-key challenge: %s", c.code, r.body)
			}
		})
	}
	// Malformed envelopes.
	for _, doc := range []string{"", "not xml", "<a/>", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body></soap:Body></soap:Envelope>`} {
		if r := e.post(PathStore, NSOIM+"Store", doc); r.status != http.StatusInternalServerError || r.faultCode() != "q0:InvalidContent" {
			t.Fatalf("envelope %q: %s", doc, r)
		}
	}
	// Only POST.
	resp, err := http.Get(e.srv.URL + PathStore)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	// Nothing above reached a mailbox, and nobody was told.
	for _, who := range []string{"bob", "carol"} {
		want := map[string]int{"bob": 0, "carol": 1}[who]
		if got := len(e.metadata(who)); got != want {
			t.Fatalf("%s has %d messages, want %d", who, got, want)
		}
	}
	// The size limit is inclusive.
	if r := e.send(oimMsg{to: "carol", text: strings.Repeat("x", 100)}); r.status != http.StatusOK {
		t.Fatalf("text of exactly MaxTextBytes: %s", r)
	}
}

func TestStoreThrottleAndQuotas(t *testing.T) {
	e := newEnv(t, Options{StoresPerMinute: 3, MaxPerRecipient: 6, MaxPerSender: 4})
	for i := range 3 {
		if r := e.send(oimMsg{to: "bob", text: "burst", seq: i + 1}); r.status != http.StatusOK {
			t.Fatalf("Store %d: %s", i+1, r)
		}
	}
	r := e.send(oimMsg{to: "bob", text: "too fast", seq: 4})
	if r.faultCode() != "q0:SenderThrottleLimitExceeded" {
		t.Fatalf("4th Store in a minute: %s", r)
	}
	// Other senders are not affected.
	e.mustSend("carol", "bob", "from carol")
	e.clock.advance(time.Minute)
	e.mustSend("alice", "bob", "after a minute") // alice: 4 waiting for bob
	// The per-sender quota: alice may not have a 5th waiting for bob ...
	if r := e.send(oimMsg{to: "bob", text: "over quota"}); r.faultCode() != "q0:SenderThrottleLimitExceeded" {
		t.Fatalf("Store over the sender quota: %s", r)
	}
	// ... but may write to someone else.
	e.mustSend("alice", "carol", "to carol")
	// The mailbox cap: bob gets his 6th, then is full.
	e.mustSend("carol", "bob", "sixth")
	if r := e.send(oimMsg{from: "carol", to: "bob", text: "full"}); r.faultCode() != "q0:SystemUnavailable" {
		t.Fatalf("Store to a full mailbox: %s", r)
	}
	ids := e.metadata("bob")
	if len(ids) != 6 {
		t.Fatalf("bob has %d messages, want 6", len(ids))
	}
	// Deleting one makes room again (and refused Stores did not count
	// against carol's rate).
	if r := e.deleteMessages("bob", ids[0].ID); r.status != http.StatusOK {
		t.Fatal(r)
	}
	e.mustSend("carol", "bob", "room again")
}

func TestStoreExpiry(t *testing.T) {
	e := newEnv(t, Options{ExpiryDays: 2})
	old := &store.OIM{To: "bob@hotmail.com", From: "carol@hotmail.com", FromName: "Carol", Body: []byte("old"),
		Received: time.Now().Add(-49 * time.Hour)}
	if err := e.st.PutOIM(old, store.OIMPolicy{Expiry: time.Hour * 1000}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.metadata("bob")); n != 0 {
		t.Fatalf("an expired message is listed (%d)", n)
	}
	if _, md := mailDataOf(t, e.svc.MailData("bob@hotmail.com")); len(md.Messages) != 0 {
		t.Fatalf("an expired message is announced: %+v", md.Messages)
	}
	if r := e.getMessage("bob", old.ID, false); r.status != http.StatusInternalServerError {
		t.Fatalf("an expired message is served: %s", r)
	}
	// The next Store for bob drops it from the store.
	e.mustSend("alice", "bob", "fresh")
	if _, err := e.st.OIM("bob@hotmail.com", old.ID); err == nil {
		t.Fatal("expired message still stored after the next Store")
	}
	if n := len(e.metadata("bob")); n != 1 {
		t.Fatalf("bob has %d messages, want 1", n)
	}
}

func TestPurge(t *testing.T) {
	e := newEnv(t, Options{ExpiryDays: 1})
	e.mustSend("alice", "bob", "fresh")
	old := &store.OIM{To: "carol@hotmail.com", From: "bob@hotmail.com", FromName: "Bob", Body: []byte("old"),
		Received: time.Now().Add(-25 * time.Hour)}
	if err := e.st.PutOIM(old, store.OIMPolicy{Expiry: 1000 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.Purge(); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	if _, err := e.st.OIM("carol@hotmail.com", old.ID); err == nil {
		t.Fatal("expired message survived Purge")
	}
	if n := len(e.metadata("bob")); n != 1 {
		t.Fatalf("Purge took bob's fresh message (%d left)", n)
	}
}

package backend_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"msnserver/ns"
	"msnserver/store"
)

// alertText parses an MSN Alerts NOT payload: whom it is for and its text.
func alertText(t testing.TB, payload string) (to, text string) {
	t.Helper()
	var n struct {
		XMLName xml.Name `xml:"NOTIFICATION"`
		To      struct {
			Name string `xml:"name,attr"`
		} `xml:"TO"`
		Text string `xml:"MSG>BODY>TEXT"`
	}
	if !strings.HasSuffix(payload, "\r\n") {
		t.Fatalf("NOT payload does not end in CRLF: %q", payload)
	}
	if err := xml.Unmarshal([]byte(payload), &n); err != nil {
		t.Fatalf("NOT payload is not XML: %v\n%s", err, payload)
	}
	return n.To.Name, n.Text
}

// expectAlert reads a NOT and checks it shows text to the client's user.
func (c *msnClient) expectAlert(text string) {
	c.T.Helper()
	line, payload := c.Read()
	if !strings.HasPrefix(line, "NOT ") {
		c.T.Fatalf("%s: want a NOT, got %q", c.email, line)
	}
	if to, got := alertText(c.T, payload); to != c.email || got != text {
		c.T.Fatalf("%s: NOT to %q says %q, want to %q saying %q", c.email, to, got, c.email, text)
	}
}

// TestEndToEnd drives the real server from the admin console in headless
// Chromium while a real MSNP14 client signs in over TCP: create an account,
// see it online, broadcast, message, kick, change the policy, disable,
// enable and delete it.
func TestEndToEnd(t *testing.T) {
	s := startStack(t)
	b := newTab(t, s.adminURL)
	const (
		email    = "kim@example.com"
		password = "kim-secret-1"
	)

	// Sign in to the console.
	b.Open("/connections")
	b.At("/login?next=%2Fconnections")
	b.Fill("#user", e2eAdmin)
	b.Fill("#password", e2eAdminPassword)
	b.Click(`form[action="/login"] button`)
	b.At("/connections")
	b.Expect("main", "Nobody is signed in.")

	// Create the account through the form; it is in the store at once.
	b.Open("/accounts/new")
	b.Fill("#email", "Kim@Example.com")
	b.Fill("#name", "Kim")
	b.Fill("#password", password)
	b.Fill("#network", "1")
	b.Click(`form[action="/accounts"] button`)
	b.At("/accounts/" + email)
	b.Expect(".flash.ok", "Account "+email+" created.")
	b.Expect("h1", email, "offline")
	if a, err := s.store.AccountByEmail(email); err != nil || a.Name != "Kim" || a.Network != 1 || a.Disabled {
		t.Fatalf("store has %+v (%v)", a, err)
	}

	// A real client signs in with it and opens a switchboard session; the
	// console shows both.
	c, _ := s.login(t, email, password, ns.DefaultPolicy)
	sb := c.openSwitchboard(8)
	b.Open("/connections")
	b.Expect("main", "Signed in (1)", "Conversations (1)")
	b.Expect("tbody tr", email, "Kim", "Online", "MSNMSGR 8.0.0787", "MSNP14", c.Conn.LocalAddr().String())
	b.Expect(".card:nth-of-type(2) tbody tr", email)
	if chats := b.Text("tbody tr td:nth-child(6)"); chats != "1" {
		t.Fatalf("chats column says %q, want 1", chats)
	}
	b.Shot("e2e-connections")
	b.Open("/accounts?q=kim")
	b.Expect("tbody tr", email, "online")
	b.Open("/accounts/" + email)
	b.Expect("h1", "online")
	b.Expect("main", "MSNMSGR 8.0.0787")
	b.Shot("e2e-account")

	// Broadcast free text (an MSN Alert) and a shutdown warning (the system message).
	text := `Pizza & drinks <in> the lobby — 5 min`
	b.Open("/broadcasts")
	b.Expect("main", "1 client right now")
	b.Fill("#text", text)
	b.Click(`input[value="text"] ~ .actions button`)
	b.Expect(".flash.ok", "Broadcast sent to 1 online clients.")
	c.expectAlert(text)
	b.Fill("#minutes", "15")
	b.Click(`input[value="shutdown"] ~ .actions button`)
	b.Expect(".flash.ok", "Broadcast sent to 1 online clients.")
	c.ExpectPayload("MSG Hotmail Hotmail",
		"MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 15\r\n\r\n")
	b.Expect("table", "Server going down in 15 minutes", text)

	// A message to this one user from the connections page.
	b.Open("/connections")
	form := `form[action="/connections/` + email + `/message"]`
	b.Fill(form+` input[name="text"]`, "Hi Kim, the admin here")
	b.Click(form + " button")
	b.Expect(".flash.ok", "Message sent to "+email+".")
	c.expectAlert("Hi Kim, the admin here")

	// Kick: OUT OTH, then the connection closes, and the console knows.
	b.Click(`form[action="/connections/` + email + `/kick"] button`)
	b.Expect(".flash.ok", email+" was signed out.")
	c.Expect("OUT OTH")
	c.ExpectClosed()
	sb.ExpectEnd()
	b.Open("/connections")
	b.Expect("main", "Nobody is signed in.", "No switchboard sessions in progress.")

	// The policy editor refuses a broken document (nothing saved) and saves a good one.
	b.Open("/policy")
	b.Fill("#xml", `<Policies><Policy type="SHIELDS"><config></Policy></Policies>`)
	b.Click(`form[action="/policy"] button`)
	b.Expect(".flash.error", "not well-formed XML")
	if _, ok, err := s.store.Setting(store.SettingPolicy); ok || err != nil {
		t.Fatalf("a broken policy was saved (%v)", err)
	}
	policy := `<Policies><Policy type="SHIELDS" checksum="0123456789ABCDEF0123456789ABCDEF"><config><shield><cli maj="8" min="0" minbld="787" maxbld="9999" deny=" " /></shield><block></block></config></Policy></Policies>`
	b.Fill("#xml", "  "+policy+"\n")
	b.Click(`form[action="/policy"] button`)
	b.Expect(".flash.ok", "Policy saved.")
	c, ticket := s.login(t, email, password, policy)

	// Disable: signed out at once; no new token, and a token issued before is refused too.
	b.Open("/accounts/" + email)
	b.Click(`form[action="/accounts/` + email + `/disable"] button`)
	b.Expect(".flash.ok", email+" is disabled and signed out.")
	b.Expect("h1", "disabled", "offline")
	c.Expect("OUT OTH")
	c.ExpectClosed()
	s.expectRefused(t, email, password)
	old := s.start(t, email, policy)
	old.Send("USR 4 TWN S " + ticket)
	old.Expect("911 4")
	old.ExpectClosed()

	// Enable: it signs in again.
	b.Click(`form[action="/accounts/` + email + `/enable"] button`)
	b.Expect(".flash.ok", email+" is enabled again.")
	c, _ = s.login(t, email, password, policy)
	b.Open("/accounts/" + email)
	b.Expect("h1", "online")

	// Delete while it is online: signed out, no token, gone from the list.
	b.Click(`a[href="/accounts/` + email + `/delete"]`)
	b.Expect("h1", "Delete "+email+"?")
	b.Click(`form[action="/accounts/` + email + `/delete"] button`)
	b.At("/accounts")
	b.Expect(".flash.ok", "Account "+email+" deleted.")
	c.Expect("OUT OTH")
	c.ExpectClosed()
	s.expectRefused(t, email, password)
	b.Expect("main", "No accounts yet.")
	b.Open("/accounts?q=kim")
	b.Expect("main", "No account matches")
	if _, err := s.store.AccountByEmail(email); err == nil {
		t.Fatal("the account is still in the store")
	}
	if s.hub.Count() != 0 {
		t.Fatalf("%d sessions online at the end", s.hub.Count())
	}
}

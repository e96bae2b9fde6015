package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAccountsListSearchAndPaging(t *testing.T) {
	ts := start(t)
	ts.be.addAccounts(120) // 123 accounts with the seeded three
	c := ts.client(t).login()

	r := c.get("/accounts")
	expect(t, r, http.StatusOK, "alice@hotmail.com", "1–50 of 123", "page 1 of 3", `href="/accounts?page=2"`)
	if !strings.Contains(r.body, "user0046@example.com") || strings.Contains(r.body, "user0047@example.com") {
		t.Fatal("page 1 holds the wrong accounts")
	}
	expect(t, c.get("/accounts?page=3"), http.StatusOK, "101–123 of 123", "user0119@example.com", `rel="prev"`)
	// Past the end goes to the last page; nonsense goes to the first.
	expectRedirect(t, c.get("/accounts?page=9"), "/accounts?page=3")
	expect(t, c.get("/accounts?page=-4"), http.StatusOK, "1–50 of 123")

	r = c.get("/accounts?q=" + url.QueryEscape("user01"))
	expect(t, r, http.StatusOK, "user0100@example.com", "1–20 of 20")
	if strings.Contains(r.body, "alice@") {
		t.Fatal("search shows non-matching accounts")
	}
	expect(t, c.get("/accounts?q=nobody-at-all"), http.StatusOK, "No account matches “nobody-at-all”")
	// Online state and network show in the list.
	r = c.get("/accounts?q=hotmail")
	expect(t, r, http.StatusOK, "alice@hotmail.com", `class="badge on"`)
	expect(t, c.get("/accounts?q=yahoo"), http.StatusOK, "carol@yahoo.com", "Yahoo!")
}

func TestAccountCreate(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	expect(t, c.get("/accounts/new"), http.StatusOK, "New account", `name="network"`)

	r := c.post("/accounts", url.Values{"email": {" Dave@Example.com "}, "name": {"Dave"}, "password": {"davepw"}, "network": {"1"}})
	expectRedirect(t, r, "/accounts/dave@example.com")
	expect(t, c.get(r.location()), http.StatusOK, "Account dave@example.com created.", "Dave", "MSN")
	if a := ts.be.account("dave@example.com"); a == nil || a.password != "davepw" || a.Network != 1 {
		t.Fatalf("account not created as asked: %+v", a)
	}

	// Characters that need care in a path.
	r = c.post("/accounts", url.Values{"email": {"o'neil+chat@example.com"}, "password": {"pw"}, "network": {"1"}})
	expectRedirect(t, r, "/accounts/o%27neil+chat@example.com")
	expect(t, c.get(r.location()), http.StatusOK, "o&#39;neil+chat@example.com", `action="/accounts/o%27neil+chat@example.com/rename"`)
	expectRedirect(t, c.post("/accounts/o%27neil+chat@example.com/rename", url.Values{"name": {"O'Neil"}}), "/accounts/o%27neil+chat@example.com")
	if a := ts.be.account("o'neil+chat@example.com"); a == nil || a.Name != "O'Neil" {
		t.Fatalf("rename via escaped path: %+v", a)
	}

	r = c.post("/accounts", url.Values{"email": {"yuki@yahoo.com"}, "password": {"pw"}, "network": {"32"}})
	expectRedirect(t, r, "/accounts/yuki@yahoo.com")
	if a := ts.be.account("yuki@yahoo.com"); a == nil || a.Network != 32 {
		t.Fatalf("yahoo account not created: %+v", a)
	}

	// Failures show the form again with the values and the reason.
	cases := []struct {
		form   url.Values
		status int
		msg    string
	}{
		{url.Values{"email": {"alice@hotmail.com"}, "password": {"pw"}, "network": {"1"}}, http.StatusConflict, "An account alice@hotmail.com already exists."},
		{url.Values{"email": {"no-at-sign"}, "password": {"pw"}, "network": {"1"}}, http.StatusUnprocessableEntity, "is not an e-mail address"},
		{url.Values{"email": {"eve@example.com"}, "password": {""}, "network": {"1"}}, http.StatusUnprocessableEntity, "Enter a password."},
		{url.Values{"email": {"eve@example.com"}, "password": {"pw"}, "network": {"2"}}, http.StatusUnprocessableEntity, "Choose the MSN or the Yahoo! network."},
		{url.Values{"email": {"eve@example.com"}, "password": {strings.Repeat("x", 73)}, "network": {"1"}}, http.StatusUnprocessableEntity, "too long"},
		{url.Values{"email": {"eve@example.invalid"}, "password": {"pw"}, "network": {"1"}}, http.StatusUnprocessableEntity, "is not a valid e-mail address"},
	}
	before := ts.be.changed()
	for _, tc := range cases {
		r := c.post("/accounts", tc.form)
		expect(t, r, tc.status, tc.msg, `value="`+strings.TrimSpace(strings.ToLower(tc.form.Get("email")))+`"`)
		if strings.Contains(r.body, tc.form.Get("password")+`"`) && tc.form.Get("password") != "" {
			t.Fatal("the form echoes the password")
		}
	}
	if ts.be.changed() != before {
		t.Fatal("a refused create changed the backend")
	}
}

func TestAccountPage(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	r := c.get("/accounts/alice@hotmail.com")
	expect(t, r, http.StatusOK,
		"alice@hotmail.com", `class="badge on"`, "8.1.0178", "192.0.2.21:50123",
		"Contacts (2)", "bob@hotmail.com", "Bob Smith", "FL AL RL", "carol@yahoo.com", "Work, Friends",
		"Groups (2)", "<li>Friends</li>",
		`action="/accounts/alice@hotmail.com/rename"`, `action="/accounts/alice@hotmail.com/disable"`)
	// Escaped path works too.
	expect(t, c.get("/accounts/alice%40hotmail.com"), http.StatusOK, "Contacts (2)")
	expect(t, c.get("/accounts/carol@yahoo.com"), http.StatusOK, "No contacts.", "Yahoo!", `class="badge"`)
	expect(t, c.get("/accounts/nobody@example.com"), http.StatusNotFound, "There is no such account.")
}

// TestAccountRoamingProfile: the account page shows the roamed message,
// name and picture; the picture is served with its type; connections show
// their dialect.
func TestAccountRoamingProfile(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	expect(t, c.get("/accounts/alice@hotmail.com"), http.StatusOK,
		"at the beach &lt;3", "Alice (roamed)", `<img class="tile" src="/accounts/alice@hotmail.com/picture"`, "image/png", "(MSNP15)")
	r := c.get("/accounts/alice@hotmail.com/picture")
	expect(t, r, http.StatusOK)
	if r.header.Get("Content-Type") != "image/png" || r.header.Get("X-Content-Type-Options") != "nosniff" || r.body != string(testPNG) {
		t.Fatalf("picture: %q %q %q", r.header.Get("Content-Type"), r.header.Get("X-Content-Type-Options"), r.body)
	}
	expect(t, c.get("/accounts/bob@hotmail.com"), http.StatusOK, "None roamed.")
	expect(t, c.get("/accounts/bob@hotmail.com/picture"), http.StatusNotFound)
	expect(t, c.get("/connections"), http.StatusOK, `<span class="muted dialect">MSNP15</span>`, `<span class="muted dialect">MSNP14</span>`)
	// Without a session the picture is not served.
	if r := ts.client(t).get("/accounts/alice@hotmail.com/picture"); r.status == http.StatusOK {
		t.Fatalf("picture served without a login: %d", r.status)
	}
}

func TestAccountRename(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	r := c.post("/accounts/bob@hotmail.com/rename", url.Values{"name": {"  Robert <b>  "}})
	expectRedirect(t, r, "/accounts/bob@hotmail.com")
	expect(t, c.get(r.location()), http.StatusOK, "Renamed to “Robert &lt;b&gt;”.")
	if got := ts.be.account("bob@hotmail.com").Name; got != "Robert <b>" {
		t.Fatalf("name %q", got)
	}
	expect(t, c.post("/accounts/bob@hotmail.com/rename", url.Values{"name": {""}}), http.StatusUnprocessableEntity, "The friendly name is empty.")
	expect(t, c.post("/accounts/bob@hotmail.com/rename", url.Values{"name": {"two\nlines"}}), http.StatusUnprocessableEntity, "single line")
	expect(t, c.post("/accounts/bob@hotmail.com/rename", url.Values{"name": {strings.Repeat("é", 129)}}), http.StatusUnprocessableEntity, "too long")
	expect(t, c.post("/accounts/ghost@hotmail.com/rename", url.Values{"name": {"Ghost"}}), http.StatusNotFound)
}

func TestAccountPassword(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	expectRedirect(t, c.post("/accounts/bob@hotmail.com/password", url.Values{"password": {"s3cret!"}, "confirm": {"s3cret!"}}), "/accounts/bob@hotmail.com")
	if got := ts.be.account("bob@hotmail.com").password; got != "s3cret!" {
		t.Fatalf("password %q", got)
	}
	expect(t, c.post("/accounts/bob@hotmail.com/password", url.Values{"password": {"a"}, "confirm": {"b"}}), http.StatusUnprocessableEntity, "The two passwords differ.")
	if strings.Contains(ts.logs.String(), "s3cret!") {
		t.Fatal("the password reached the log")
	}
}

func TestAccountDisableEnable(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	r := c.post("/accounts/alice@hotmail.com/disable", nil)
	expectRedirect(t, r, "/accounts/alice@hotmail.com")
	page := c.get(r.location())
	expect(t, page, http.StatusOK, "alice@hotmail.com is disabled and signed out.", `class="badge off"`, "Enable account")
	if a := ts.be.account("alice@hotmail.com"); !a.Disabled || ts.be.isOnline("alice@hotmail.com") {
		t.Fatal("not disabled and disconnected")
	}
	expectRedirect(t, c.post("/accounts/alice@hotmail.com/enable", nil), "/accounts/alice@hotmail.com")
	if ts.be.account("alice@hotmail.com").Disabled {
		t.Fatal("still disabled")
	}
	expect(t, c.post("/accounts/ghost@hotmail.com/disable", nil), http.StatusNotFound)
}

func TestAccountDelete(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	// The link asks first; nothing is deleted by a GET.
	expect(t, c.get("/accounts/bob@hotmail.com/delete"), http.StatusOK, "Delete bob@hotmail.com?", "cannot be undone")
	if ts.be.account("bob@hotmail.com") == nil {
		t.Fatal("deleted by GET")
	}
	r := c.post("/accounts/bob@hotmail.com/delete", nil)
	expectRedirect(t, r, "/accounts")
	expect(t, c.get("/accounts"), http.StatusOK, "Account bob@hotmail.com deleted.")
	if ts.be.account("bob@hotmail.com") != nil || ts.be.isOnline("bob@hotmail.com") {
		t.Fatal("not deleted")
	}
	expect(t, c.get("/accounts/bob@hotmail.com"), http.StatusNotFound)
	expect(t, c.post("/accounts/bob@hotmail.com/delete", nil), http.StatusNotFound)
}

package admin_test

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"msnserver/admin/internal/browsertest"
)

// browser drives one headless Chromium tab against a test server.
type browser = browsertest.Tab

func newBrowser(t *testing.T, base string) *browser {
	return browsertest.NewTabAt(t, base, filepath.Join("testdata", "screenshots"))
}

// TestBrowser walks through the console in headless Chromium: sign in,
// create an account and find it, edit the policy, broadcast, kick, disable
// and delete, sign out.
func TestBrowser(t *testing.T) {
	ts := start(t)
	ts.be.addAccounts(57)
	b := newBrowser(t, ts.url)

	// Signed out, any page leads to the sign-in form.
	b.Open("/accounts")
	b.At("/login?next=%2Faccounts")
	b.Fill("#user", testAdmin)
	b.Fill("#password", "not the password")
	b.Click(`form[action="/login"] button`)
	b.Expect(".flash.error", "Wrong user name or password.")
	b.Shot("login")
	b.Fill("#password", testPassword)
	b.Click(`form[action="/login"] button`)
	b.At("/accounts")

	// The inline style sheet passed the Content-Security-Policy.
	styles, err := chromedp.Run(b.Context(), chromedp.ComputedStyle(chromedp.CSS("header")))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range styles {
		if p.Name == "background-color" && p.Value != "rgb(22, 50, 92)" {
			t.Fatalf("header background %s: the style sheet was blocked", p.Value)
		}
	}

	b.Open("/")
	b.Expect("h1", "Dashboard")
	b.Do(chromedp.WaitVisible(chromedp.CSS("svg.chart rect.bar")))
	b.Shot("dashboard")

	// Create an account, see it in the list and find it by search.
	b.Open("/accounts/new")
	b.Fill("#email", "zoe@example.com")
	b.Fill("#name", "Zoe")
	b.Fill("#password", "zoe-secret")
	b.Fill("#network", "32")
	b.Click(`form[action="/accounts"] button`)
	b.At("/accounts/zoe@example.com")
	b.Expect(".flash.ok", "Account zoe@example.com created.")
	if a := ts.be.account("zoe@example.com"); a == nil || a.Network != 32 || a.Name != "Zoe" {
		t.Fatalf("backend has %+v", a)
	}
	b.Open("/accounts/new")
	b.Fill("#email", "zoe@example.com")
	b.Fill("#password", "again")
	b.Click(`form[action="/accounts"] button`)
	b.Expect(".flash.error", "already exists")
	b.Shot("account-new-error")

	b.Open("/accounts")
	b.Expect("table", "alice@hotmail.com")
	b.Shot("accounts")
	b.Fill(`input[name="q"]`, "zoe")
	b.Click(`form[role="search"] button`)
	b.At("/accounts?q=zoe")
	b.Expect("table", "zoe@example.com")
	b.Expect(".pager", "1–1 of 1")

	b.Open("/accounts/alice@hotmail.com")
	b.Expect("h1", "alice@hotmail.com")
	b.Expect("main", "carol@yahoo.com")
	b.Shot("account")

	// The policy editor refuses a broken document and keeps the text.
	b.Open("/policy")
	broken := `<Policies><Policy type="SHIELDS"><config></Policy></Policies>`
	b.Fill("#xml", broken)
	b.Click(`form[action="/policy"] button`)
	b.Expect(".flash.error", "not well-formed XML")
	if v, err := chromedp.Run(b.Context(), chromedp.Value(chromedp.ID("xml"))); err != nil || v != broken {
		t.Fatalf("editor holds %q (%v)", v, err)
	}
	b.Shot("policy-error")
	if _, _, _, got := ts.be.recorded(); got != testPolicy {
		t.Fatal("a broken policy was saved")
	}
	good := `<Policies><Policy type="SHIELDS"><config><shield><cli maj="8" min="1" minbld="0" maxbld="9999" deny=" " /></shield><block></block></config></Policy></Policies>`
	b.Fill("#xml", good)
	b.Click(`form[action="/policy"] button`)
	b.Expect(".flash.ok", "Policy saved.")
	b.Shot("policy")
	if _, _, _, got := ts.be.recorded(); got != good {
		t.Fatalf("policy %q", got)
	}

	// Broadcast a text and a shutdown notice; both show in the history.
	b.Open("/broadcasts")
	b.Fill("#text", "Pizza has arrived in the lobby")
	b.Click(`input[value="text"] ~ .actions button`)
	b.Expect(".flash.ok", "Broadcast sent to 2 online clients.")
	b.Fill("#minutes", "15")
	b.Click(`input[value="shutdown"] ~ .actions button`)
	b.Expect("table", "Server going down in 15 minutes")
	b.Expect("table", "Pizza has arrived in the lobby")
	b.Shot("broadcasts")
	if _, _, sent, _ := ts.be.recorded(); len(sent) != 2 {
		t.Fatalf("backend got %+v", sent)
	}

	// Live connections: message alice, kick bob.
	b.Open("/connections")
	b.Shot("connections")
	b.Fill(`form[action="/connections/alice@hotmail.com/message"] input[name="text"]`, "Hi Alice, the admin here")
	b.Click(`form[action="/connections/alice@hotmail.com/message"] button`)
	b.Expect(".flash.ok", "Message sent to alice@hotmail.com.")
	b.Click(`form[action="/connections/bob@hotmail.com/kick"] button`)
	b.Expect(".flash.ok", "bob@hotmail.com was signed out.")
	if kicked, messages, _, _ := ts.be.recorded(); len(kicked) != 1 || len(messages) != 1 {
		t.Fatalf("kicked %v, messages %v", kicked, messages)
	}

	// Disable, then delete the new account.
	b.Open("/accounts/zoe@example.com")
	b.Click(`form[action="/accounts/zoe@example.com/disable"] button`)
	b.Expect(".flash.ok", "zoe@example.com is disabled")
	b.Expect("h1", "disabled")
	if a := ts.be.account("zoe@example.com"); a == nil || !a.Disabled {
		t.Fatal("not disabled")
	}
	b.Click(`a[href="/accounts/zoe@example.com/delete"]`)
	b.Expect("h1", "Delete zoe@example.com?")
	b.Shot("account-delete")
	b.Click(`form[action="/accounts/zoe@example.com/delete"] button`)
	b.At("/accounts")
	b.Expect(".flash.ok", "Account zoe@example.com deleted.")
	if ts.be.account("zoe@example.com") != nil {
		t.Fatal("not deleted")
	}

	b.Open("/setup")
	b.Expect("#hosts", "192.0.2.10      messenger.hotmail.com")
	b.Shot("setup")

	b.Click(`form[action="/logout"] button`)
	b.Expect(".flash.ok", "You are signed out.")
	b.Open("/")
	b.At("/login?next=%2F")
}

package admin_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"msnserver/admin/internal/browsertest"
)

// browser drives one headless Chromium tab against a test server.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	return &browser{t: t, ctx: browsertest.NewTab(t), base: base}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// open loads a page of the console.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

// click clicks what css selects and waits for the page that follows.
func (b *browser) click(css string) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
		b.t.Fatalf("click %s: %v", css, err)
	}
}

func (b *browser) fill(css, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(css), value))
}

func (b *browser) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// expect checks that the element css selects contains want.
func (b *browser) expect(css, want string) {
	b.t.Helper()
	if got := b.text(css); !strings.Contains(got, want) {
		b.t.Fatalf("%s says %q, want %q", css, got, want)
	}
}

func (b *browser) path() string { return browsertest.Path(b.t, b.ctx) }

func (b *browser) at(path string) {
	b.t.Helper()
	if got := b.path(); got != path {
		b.t.Fatalf("at %s, want %s", got, path)
	}
}

// shot saves the page as a screenshot when MSN_SCREENSHOTS=1.
func (b *browser) shot(name string) {
	browsertest.Shot(b.t, b.ctx, filepath.Join("testdata", "screenshots"), name)
}

// TestBrowser walks through the console in headless Chromium: sign in,
// create an account and find it, edit the policy, broadcast, kick, disable
// and delete, sign out.
func TestBrowser(t *testing.T) {
	ts := start(t)
	ts.be.addAccounts(57)
	b := newBrowser(t, ts.url)

	// Signed out, any page leads to the sign-in form.
	b.open("/accounts")
	b.at("/login?next=%2Faccounts")
	b.fill("#user", testAdmin)
	b.fill("#password", "not the password")
	b.click(`form[action="/login"] button`)
	b.expect(".flash.error", "Wrong user name or password.")
	b.shot("login")
	b.fill("#password", testPassword)
	b.click(`form[action="/login"] button`)
	b.at("/accounts")

	// The inline style sheet passed the Content-Security-Policy.
	styles, err := chromedp.Run(b.ctx, chromedp.ComputedStyle(chromedp.CSS("header")))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range styles {
		if p.Name == "background-color" && p.Value != "rgb(22, 50, 92)" {
			t.Fatalf("header background %s: the style sheet was blocked", p.Value)
		}
	}

	b.open("/")
	b.expect("h1", "Dashboard")
	b.do(chromedp.WaitVisible(chromedp.CSS("svg.chart rect.bar")))
	b.shot("dashboard")

	// Create an account, see it in the list and find it by search.
	b.open("/accounts/new")
	b.fill("#email", "zoe@example.com")
	b.fill("#name", "Zoe")
	b.fill("#password", "zoe-secret")
	b.fill("#network", "32")
	b.click(`form[action="/accounts"] button`)
	b.at("/accounts/zoe@example.com")
	b.expect(".flash.ok", "Account zoe@example.com created.")
	if a := ts.be.account("zoe@example.com"); a == nil || a.Network != 32 || a.Name != "Zoe" {
		t.Fatalf("backend has %+v", a)
	}
	b.open("/accounts/new")
	b.fill("#email", "zoe@example.com")
	b.fill("#password", "again")
	b.click(`form[action="/accounts"] button`)
	b.expect(".flash.error", "already exists")
	b.shot("account-new-error")

	b.open("/accounts")
	b.expect("table", "alice@hotmail.com")
	b.shot("accounts")
	b.fill(`input[name="q"]`, "zoe")
	b.click(`form[role="search"] button`)
	b.at("/accounts?q=zoe")
	b.expect("table", "zoe@example.com")
	b.expect(".pager", "1–1 of 1")

	b.open("/accounts/alice@hotmail.com")
	b.expect("h1", "alice@hotmail.com")
	b.expect("main", "carol@yahoo.com")
	b.shot("account")

	// The policy editor refuses a broken document and keeps the text.
	b.open("/policy")
	broken := `<Policies><Policy type="SHIELDS"><config></Policy></Policies>`
	b.fill("#xml", broken)
	b.click(`form[action="/policy"] button`)
	b.expect(".flash.error", "not well-formed XML")
	if v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.ID("xml"))); err != nil || v != broken {
		t.Fatalf("editor holds %q (%v)", v, err)
	}
	b.shot("policy-error")
	if _, _, _, got := ts.be.recorded(); got != testPolicy {
		t.Fatal("a broken policy was saved")
	}
	good := `<Policies><Policy type="SHIELDS"><config><shield><cli maj="8" min="1" minbld="0" maxbld="9999" deny=" " /></shield><block></block></config></Policy></Policies>`
	b.fill("#xml", good)
	b.click(`form[action="/policy"] button`)
	b.expect(".flash.ok", "Policy saved.")
	b.shot("policy")
	if _, _, _, got := ts.be.recorded(); got != good {
		t.Fatalf("policy %q", got)
	}

	// Broadcast a text and a shutdown notice; both show in the history.
	b.open("/broadcasts")
	b.fill("#text", "Pizza has arrived in the lobby")
	b.click(`input[value="text"] ~ .actions button`)
	b.expect(".flash.ok", "Broadcast sent to 2 online clients.")
	b.fill("#minutes", "15")
	b.click(`input[value="shutdown"] ~ .actions button`)
	b.expect("table", "Server going down in 15 minutes")
	b.expect("table", "Pizza has arrived in the lobby")
	b.shot("broadcasts")
	if _, _, sent, _ := ts.be.recorded(); len(sent) != 2 {
		t.Fatalf("backend got %+v", sent)
	}

	// Live connections: message alice, kick bob.
	b.open("/connections")
	b.shot("connections")
	b.fill(`form[action="/connections/alice@hotmail.com/message"] input[name="text"]`, "Hi Alice, the admin here")
	b.click(`form[action="/connections/alice@hotmail.com/message"] button`)
	b.expect(".flash.ok", "Message sent to alice@hotmail.com.")
	b.click(`form[action="/connections/bob@hotmail.com/kick"] button`)
	b.expect(".flash.ok", "bob@hotmail.com was signed out.")
	if kicked, messages, _, _ := ts.be.recorded(); len(kicked) != 1 || len(messages) != 1 {
		t.Fatalf("kicked %v, messages %v", kicked, messages)
	}

	// Disable, then delete the new account.
	b.open("/accounts/zoe@example.com")
	b.click(`form[action="/accounts/zoe@example.com/disable"] button`)
	b.expect(".flash.ok", "zoe@example.com is disabled")
	b.expect("h1", "disabled")
	if a := ts.be.account("zoe@example.com"); a == nil || !a.Disabled {
		t.Fatal("not disabled")
	}
	b.click(`a[href="/accounts/zoe@example.com/delete"]`)
	b.expect("h1", "Delete zoe@example.com?")
	b.shot("account-delete")
	b.click(`form[action="/accounts/zoe@example.com/delete"] button`)
	b.at("/accounts")
	b.expect(".flash.ok", "Account zoe@example.com deleted.")
	if ts.be.account("zoe@example.com") != nil {
		t.Fatal("not deleted")
	}

	b.open("/setup")
	b.expect("#hosts", "192.0.2.10      messenger.hotmail.com")
	b.shot("setup")

	b.click(`form[action="/logout"] button`)
	b.expect(".flash.ok", "You are signed out.")
	b.open("/")
	b.at("/login?next=%2F")
}

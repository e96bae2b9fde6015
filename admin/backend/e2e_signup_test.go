package backend_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"msnserver/admin"
)

// signUp fills the public sign-up form and submits it.
func (b *tab) signUp(email, name, password, invite string) {
	b.t.Helper()
	b.open("/signup")
	b.fill("#email", email)
	b.fill("#name", name)
	b.fill("#password", password)
	b.fill("#confirm", password)
	if invite != "" {
		b.fill("#invite", invite)
	}
	b.submit(`form[action="/signup"] button`)
}

// TestSignupBrowser walks the sign-up page in headless Chromium against the
// whole server: closed by default; opened from the console, anyone makes
// an account that signs in to Messenger's token service; invite-only with a
// code from the console; a user changes their password; and past the
// per-address limit the page refuses.
func TestSignupBrowser(t *testing.T) {
	s := startStack(t, func(c *admin.Config) { c.SignupAttempts = 6 })
	user := newTab(t, s.adminURL)

	// Off by default.
	user.open("/signup")
	user.expect("h1", "Sign-up is closed")
	user.shot("signup-closed")

	// The admin turns it on.
	adm := newTab(t, s.adminURL)
	adm.open("/invites")
	adm.fill("#user", e2eAdmin)
	adm.fill("#password", e2eAdminPassword)
	adm.submit(`form[action="/login"] button`)
	adm.at("/invites")
	adm.do(chromedp.Click(chromedp.CSS("#open")))
	adm.submit(`#signup-settings button`)
	adm.expect(".flash.ok", "The sign-up page is on, for anyone")
	if v, _, _ := s.store.Setting("signup.open"); v != "1" {
		t.Fatalf("signup.open is %q in the store", v)
	}

	// Anyone signs up (attempt 1); the account signs in to Messenger.
	user.signUp("zoe@example.com", "Zoe", "zoe-secret", "")
	user.expect(".flash.ok", "Account zoe@example.com created.")
	user.shot("signup-done")
	if tk, body := s.rst(t, "zoe@example.com", "zoe-secret"); tk == "" {
		t.Fatalf("the new account cannot sign in:\n%s", body)
	}
	if a, err := s.store.AccountByEmail("zoe@example.com"); err != nil || a.Name != "Zoe" {
		t.Fatalf("store has %+v, %v", a, err)
	}

	// Invite only: a code from the console makes one account (2, 3, 4).
	adm.open("/invites")
	adm.do(chromedp.Click(chromedp.CSS("#invite_only")))
	adm.submit(`#signup-settings button`)
	adm.expect(".flash.ok", "for people with an invite code")
	adm.fill("#note", "for Yan")
	adm.submit(`#invite-new button`)
	adm.expect(".flash.ok", "New invite code: ")
	code := adm.text("td.invite-code")
	adm.shot("signup-invites")

	user.signUp("yan@example.com", "Yan", "yan-secret", "AAAA-BBBB-CCCC")
	user.expect(".flash.error", "That invite code is unknown or used already.")
	user.signUp("yan@example.com", "Yan", "yan-secret", code)
	user.expect(".flash.ok", "Account yan@example.com created.")
	user.signUp("xia@example.com", "Xia", "xia-secret", code)
	user.expect(".flash.error", "unknown or used already")
	if _, err := s.store.AccountByEmail("xia@example.com"); err == nil {
		t.Fatal("a used code made a second account")
	}
	adm.open("/invites")
	adm.expect("main", "No unused codes.")

	// Zoe changes her password (5, 6): the old one no longer signs in.
	user.open("/signup/password")
	user.fill("#email", "zoe@example.com")
	user.fill("#current", "not-hers")
	user.fill("#password", "zoe-new")
	user.fill("#confirm", "zoe-new")
	user.submit(`form[action="/signup/password"] button`)
	user.expect(".flash.error", "Wrong sign-in name or current password.")
	user.fill("#current", "zoe-secret")
	user.fill("#password", "zoe-new")
	user.fill("#confirm", "zoe-new")
	user.submit(`form[action="/signup/password"] button`)
	user.expect(".flash.ok", "The password of zoe@example.com is changed.")
	s.expectRefused(t, "zoe@example.com", "zoe-secret")
	if tk, body := s.rst(t, "zoe@example.com", "zoe-new"); tk == "" {
		t.Fatalf("the new password does not sign in:\n%s", body)
	}

	// The 7th attempt from this address is refused.
	user.signUp("wes@example.com", "Wes", "wes-secret", "ZZZZ-ZZZZ-ZZZZ")
	user.expect("h1", "Too many attempts")
	user.expect("main", "Too many attempts from your address")
	user.shot("signup-limited")
	if _, err := s.store.AccountByEmail("wes@example.com"); err == nil {
		t.Fatal("an account was made past the limit")
	}
}

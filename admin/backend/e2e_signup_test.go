package backend_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"msnserver/admin"
)

// signUp fills the public sign-up form in b and submits it.
func signUp(t *testing.T, b *tab, email, name, password, invite string) {
	t.Helper()
	b.Open("/signup")
	b.Fill("#email", email)
	b.Fill("#name", name)
	b.Fill("#password", password)
	b.Fill("#confirm", password)
	if invite != "" {
		b.Fill("#invite", invite)
	}
	b.Click(`form[action="/signup"] button`)
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
	user.Open("/signup")
	user.Expect("h1", "Sign-up is closed")
	user.Shot("signup-closed")

	// The admin turns it on.
	adm := newTab(t, s.adminURL)
	adm.Open("/invites")
	adm.Fill("#user", e2eAdmin)
	adm.Fill("#password", e2eAdminPassword)
	adm.Click(`form[action="/login"] button`)
	adm.At("/invites")
	adm.Do(chromedp.Click(chromedp.CSS("#open")))
	adm.Click(`#signup-settings button`)
	adm.Expect(".flash.ok", "The sign-up page is on, for anyone")
	if v, _, _ := s.store.Setting("signup.open"); v != "1" {
		t.Fatalf("signup.open is %q in the store", v)
	}

	// Anyone signs up (attempt 1); the account signs in to Messenger.
	signUp(t, user, "zoe@example.com", "Zoe", "zoe-secret", "")
	user.Expect(".flash.ok", "Account zoe@example.com created.")
	user.Shot("signup-done")
	if tk, body := s.rst(t, "zoe@example.com", "zoe-secret"); tk == "" {
		t.Fatalf("the new account cannot sign in:\n%s", body)
	}
	if a, err := s.store.AccountByEmail("zoe@example.com"); err != nil || a.Name != "Zoe" {
		t.Fatalf("store has %+v, %v", a, err)
	}

	// Invite only: a code from the console makes one account (2, 3, 4).
	adm.Open("/invites")
	adm.Do(chromedp.Click(chromedp.CSS("#invite_only")))
	adm.Click(`#signup-settings button`)
	adm.Expect(".flash.ok", "for people with an invite code")
	adm.Fill("#note", "for Yan")
	adm.Click(`#invite-new button`)
	adm.Expect(".flash.ok", "New invite code: ")
	code := adm.Text("td.invite-code")
	adm.Shot("signup-invites")

	signUp(t, user, "yan@example.com", "Yan", "yan-secret", "AAAA-BBBB-CCCC")
	user.Expect(".flash.error", "That invite code is unknown or used already.")
	signUp(t, user, "yan@example.com", "Yan", "yan-secret", code)
	user.Expect(".flash.ok", "Account yan@example.com created.")
	signUp(t, user, "xia@example.com", "Xia", "xia-secret", code)
	user.Expect(".flash.error", "unknown or used already")
	if _, err := s.store.AccountByEmail("xia@example.com"); err == nil {
		t.Fatal("a used code made a second account")
	}
	adm.Open("/invites")
	adm.Expect("main", "No unused codes.")

	// Zoe changes her password (5, 6): the old one no longer signs in.
	user.Open("/signup/password")
	user.Fill("#email", "zoe@example.com")
	user.Fill("#current", "not-hers")
	user.Fill("#password", "zoe-new")
	user.Fill("#confirm", "zoe-new")
	user.Click(`form[action="/signup/password"] button`)
	user.Expect(".flash.error", "Wrong sign-in name or current password.")
	user.Fill("#current", "zoe-secret")
	user.Fill("#password", "zoe-new")
	user.Fill("#confirm", "zoe-new")
	user.Click(`form[action="/signup/password"] button`)
	user.Expect(".flash.ok", "The password of zoe@example.com is changed.")
	s.expectRefused(t, "zoe@example.com", "zoe-secret")
	if tk, body := s.rst(t, "zoe@example.com", "zoe-new"); tk == "" {
		t.Fatalf("the new password does not sign in:\n%s", body)
	}

	// The 7th attempt from this address is refused.
	signUp(t, user, "wes@example.com", "Wes", "wes-secret", "ZZZZ-ZZZZ-ZZZZ")
	user.Expect("h1", "Too many attempts")
	user.Expect("main", "Too many attempts from your address")
	user.Shot("signup-limited")
	if _, err := s.store.AccountByEmail("wes@example.com"); err == nil {
		t.Fatal("an account was made past the limit")
	}
}

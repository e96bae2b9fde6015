package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"msnserver/admin"
)

// signupForm is a complete sign-up for email.
func signupForm(email string) url.Values {
	return url.Values{"email": {email}, "name": {"New User"}, "password": {"pw-123"}, "confirm": {"pw-123"}}
}

// TestSignupPages: off by default; on, it needs its CSRF token, validates
// like the console, makes accounts, honours invite codes and changes a
// user's own password; every attempt counts against the address's limit.
func TestSignupPages(t *testing.T) {
	ts := start(t, func(c *admin.Config) { c.SignupAttempts = 9 })
	u := ts.client(t)

	// Off: the pages say so, and a POST makes nothing.
	expect(t, u.get("/signup"), http.StatusNotFound, "Sign-up is closed")
	expect(t, u.get("/signup/password"), http.StatusNotFound, "Sign-up is closed")

	a := ts.client(t).login()
	expect(t, a.get("/invites"), http.StatusOK, "Public sign-up page", `name="open"`)
	expectRedirect(t, a.post("/invites/settings", url.Values{"open": {"1"}}), "/invites")
	expect(t, a.get("/invites"), http.StatusOK, "The sign-up page is on, for anyone")

	page := u.get("/signup")
	expect(t, page, http.StatusOK, "Make a Windows Live Messenger account", "(if you have one)")
	tok := token(t, page.body)

	// The token: missing and wrong are refused, before the limit counts.
	expect(t, u.postRaw("/signup", signupForm("eve@example.com")), http.StatusForbidden, "The form has expired")
	f := signupForm("eve@example.com")
	f.Set("csrf", "x"+tok[1:])
	expect(t, u.postRaw("/signup", f), http.StatusForbidden)
	// Another browser's cookie does not go with this page's token.
	other := ts.client(t)
	other.get("/signup")
	f.Set("csrf", tok)
	expect(t, other.postRaw("/signup", f), http.StatusForbidden)
	if ts.be.account("eve@example.com") != nil {
		t.Fatal("an account was made without a valid token")
	}

	post := func(path string, form url.Values) response {
		form.Set("csrf", tok)
		return u.postRaw(path, form)
	}
	// The console's checks, then a new account (attempts 1–4).
	bad := signupForm("not-an-address")
	expect(t, post("/signup", bad), http.StatusUnprocessableEntity, "is not an e-mail address")
	bad = signupForm("eve@example.com")
	bad.Set("confirm", "other")
	expect(t, post("/signup", bad), http.StatusUnprocessableEntity, "The two passwords differ.")
	expect(t, post("/signup", signupForm("alice@hotmail.com")), http.StatusConflict, "already exists")
	expect(t, post("/signup", signupForm("eve@example.com")), http.StatusCreated, "Account eve@example.com created.")
	if a := ts.be.account("eve@example.com"); a == nil || a.Name != "New User" || a.Network != admin.NetworkMSN || a.password != "pw-123" {
		t.Fatalf("backend has %+v", a)
	}

	// Invite only (5–7).
	expectRedirect(t, a.post("/invites/settings", url.Values{"open": {"1"}, "invite_only": {"1"}}), "/invites")
	expectRedirect(t, a.post("/invites", url.Values{"note": {"for Finn"}}), "/invites")
	expect(t, a.get("/invites"), http.StatusOK, "TEST-CODE-0000", "for Finn")
	expect(t, u.get("/signup"), http.StatusOK, "(from the server's admin)")
	expect(t, post("/signup", signupForm("finn@example.com")), http.StatusUnprocessableEntity, "Enter the invite code")
	withCode := signupForm("finn@example.com")
	withCode.Set("invite", "WRONG-CODE")
	expect(t, post("/signup", withCode), http.StatusUnprocessableEntity, "unknown or used already")
	withCode.Set("invite", "test-code-0000")
	expect(t, post("/signup", withCode), http.StatusCreated, "Account finn@example.com created.")
	expect(t, a.get("/invites"), http.StatusOK, "No unused codes.")

	// The user's own password (8, 9).
	expect(t, u.get("/signup/password"), http.StatusOK, "Change your password")
	pw := url.Values{"email": {"eve@example.com"}, "current": {"wrong"}, "password": {"new-pw"}, "confirm": {"new-pw"}}
	expect(t, post("/signup/password", pw), http.StatusUnauthorized, "Wrong sign-in name or current password.")
	pw.Set("current", "pw-123")
	expect(t, post("/signup/password", pw), http.StatusOK, "The password of eve@example.com is changed.")
	if a := ts.be.account("eve@example.com"); a.password != "new-pw" {
		t.Fatalf("password %q", a.password)
	}

	// The 10th attempt from this address is over the limit.
	r := post("/signup", signupForm("gus@example.com"))
	expect(t, r, http.StatusTooManyRequests, "Too many attempts from your address")
	if r.header.Get("Retry-After") == "" || ts.be.account("gus@example.com") != nil {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if strings.Contains(ts.logs.String(), "pw-123") || strings.Contains(ts.logs.String(), "new-pw") {
		t.Fatal("a password reached the log")
	}

	// Off again: the pages close.
	expectRedirect(t, a.post("/invites/settings", url.Values{}), "/invites")
	expect(t, u.get("/signup"), http.StatusNotFound, "Sign-up is closed")
}

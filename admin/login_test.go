package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"msnserver/admin"
)

func TestLoginLogout(t *testing.T) {
	ts := start(t)
	c := ts.client(t)

	r := c.get("/accounts?q=bob")
	expectRedirect(t, r, "/login?next="+url.QueryEscape("/accounts?q=bob"))

	page := c.get("/login?next=" + url.QueryEscape("/accounts?q=bob"))
	expect(t, page, http.StatusOK, "Sign in", `name="next" value="/accounts?q=bob"`)
	r = c.postRaw("/login", url.Values{"csrf": {token(t, page.body)}, "user": {testAdmin}, "password": {testPassword}, "next": {"/accounts?q=bob"}})
	expectRedirect(t, r, "/accounts?q=bob")
	cookie := r.header.Values("Set-Cookie")
	var sessionLine string
	for _, l := range cookie {
		if strings.HasPrefix(l, "msnadmin_session=") {
			sessionLine = strings.ToLower(l)
		}
	}
	for _, attr := range []string{"httponly", "samesite=strict", "path=/", "expires="} {
		if !strings.Contains(sessionLine, attr) {
			t.Errorf("session cookie %q lacks %s", sessionLine, attr)
		}
	}
	if strings.Contains(sessionLine, "secure") {
		t.Errorf("session cookie %q is Secure without Config.Secure", sessionLine)
	}

	home := c.get("/")
	expect(t, home, http.StatusOK, "Dashboard", "Sign out")
	c.csrf = token(t, home.body)
	// Signed in, the login page sends you home.
	expectRedirect(t, c.get("/login"), "/")

	old := c.sessionCookie()
	expectRedirect(t, c.post("/logout", nil), "/login?bye=1")
	expect(t, c.get("/login?bye=1"), http.StatusOK, "You are signed out.")
	expectRedirect(t, c.get("/"), "/login?next=%2F")

	// The old cookie, replayed, is dead: the session is gone on the server.
	c.setSessionCookie(old)
	expectRedirect(t, c.get("/"), "/login?next=%2F")
	expect(t, c.post("/accounts", url.Values{"email": {"x@example.com"}, "password": {"pw"}, "network": {"1"}}), http.StatusForbidden)
	if n := ts.be.changed(); n != 0 {
		t.Fatalf("backend changed %d times", n)
	}
}

func TestLoginSecureCookie(t *testing.T) {
	ts := start(t, func(c *admin.Config) { c.Secure = true })
	c := ts.client(t)
	r := c.tryLogin(testAdmin, testPassword)
	expectRedirect(t, r, "/")
	found := false
	for _, l := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(l, "msnadmin_session=") {
			found = true
			if !strings.Contains(strings.ToLower(l), "secure") {
				t.Errorf("cookie %q not Secure", l)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

func TestLoginNextStaysOnSite(t *testing.T) {
	ts := start(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/logout"} {
		c := ts.client(t)
		page := c.get("/login")
		r := c.postRaw("/login", url.Values{"csrf": {token(t, page.body)}, "user": {testAdmin}, "password": {testPassword}, "next": {next}})
		expectRedirect(t, r, "/")
	}
}

func TestLoginWrongPasswordRateLimited(t *testing.T) {
	const delay = 50 * time.Millisecond
	ts := start(t, func(c *admin.Config) { c.FailedLoginDelay = delay; c.LoginAttempts = 5 })
	c := ts.client(t)

	for i := range 5 {
		began := time.Now()
		r := c.tryLogin(testAdmin, "wrong password")
		expect(t, r, http.StatusUnauthorized, "Wrong user name or password.")
		if took := time.Since(began); took < delay {
			t.Fatalf("attempt %d answered after %v, before the %v delay", i, took, delay)
		}
		if c.sessionCookie() != "" {
			t.Fatal("a failed login set a session cookie")
		}
	}
	// An unknown user fails the same way, and is counted too; but now the
	// limit is reached: even the right password is refused.
	r := c.tryLogin(testAdmin, testPassword)
	expect(t, r, http.StatusTooManyRequests, "Too many failed sign-ins")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if c.sessionCookie() != "" {
		t.Fatal("a refused login set a session cookie")
	}
	if !strings.Contains(ts.logs.String(), "sign-in failed") {
		t.Error("failed sign-ins are not logged")
	}
	if strings.Contains(ts.logs.String(), "wrong password") || strings.Contains(ts.logs.String(), testPassword) {
		t.Fatalf("a password reached the log:\n%s", ts.logs.String())
	}
}

func TestLoginUnknownUser(t *testing.T) {
	ts := start(t)
	c := ts.client(t)
	expect(t, c.tryLogin("root", testPassword), http.StatusUnauthorized, "Wrong user name or password.")
	expect(t, c.tryLogin("", ""), http.StatusUnprocessableEntity, "Enter your user name and password.")
}

func TestLoginNeedsFormToken(t *testing.T) {
	ts := start(t)
	c := ts.client(t)
	// No login cookie, no token: a cross-site form cannot sign the browser in.
	expect(t, c.postRaw("/login", url.Values{"user": {testAdmin}, "password": {testPassword}}), http.StatusForbidden)
	page := c.get("/login")
	expect(t, c.postRaw("/login", url.Values{"csrf": {"wrong"}, "user": {testAdmin}, "password": {testPassword}}), http.StatusForbidden)
	// The cookie alone is not enough either.
	expect(t, c.postRaw("/login", url.Values{"user": {testAdmin}, "password": {testPassword}}), http.StatusForbidden)
	expectRedirect(t, c.postRaw("/login", url.Values{"csrf": {token(t, page.body)}, "user": {testAdmin}, "password": {testPassword}}), "/")
}

// Thirty sign-ins sent at once check at most the limit's worth of passwords:
// each attempt is counted before its password is checked.
func TestLoginLimitReservedBeforeCheck(t *testing.T) {
	ts := start(t, func(c *admin.Config) { c.FailedLoginDelay = 50 * time.Millisecond; c.LoginAttempts = 5 })
	type attempt struct {
		c    *client
		csrf string
	}
	ts.be.mu.Lock()
	ts.be.checkTime = 100 * time.Millisecond
	ts.be.mu.Unlock()
	var all []attempt
	for range 30 {
		c := ts.client(t)
		all = append(all, attempt{c, token(t, c.get("/login").body)})
	}
	var wg sync.WaitGroup
	for _, a := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.c.postRaw("/login", url.Values{"csrf": {a.csrf}, "user": {testAdmin}, "password": {"wrong"}})
		}()
	}
	wg.Wait()
	for _, a := range all {
		a.c.hc.CloseIdleConnections()
	}
	ts.be.mu.Lock()
	checks := ts.be.checks
	ts.be.mu.Unlock()
	if checks > 5 {
		t.Fatalf("%d passwords checked, limit 5", checks)
	}
}

package admin_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"msnserver/admin"
)

// changes is every state-changing route with a form it would accept.
var changes = []struct {
	path string
	form url.Values
}{
	{"/logout", nil},
	{"/accounts", url.Values{"email": {"new@example.com"}, "password": {"pw"}, "network": {"1"}}},
	{"/accounts/alice@hotmail.com/rename", url.Values{"name": {"Mallory"}}},
	{"/accounts/alice@hotmail.com/password", url.Values{"password": {"x"}, "confirm": {"x"}}},
	{"/accounts/alice@hotmail.com/disable", nil},
	{"/accounts/alice@hotmail.com/enable", nil},
	{"/accounts/alice@hotmail.com/delete", nil},
	{"/policy", url.Values{"xml": {`<Policies><Policy type="X"/></Policies>`}}},
	{"/broadcasts", url.Values{"kind": {"text"}, "text": {"hi"}}},
	{"/connections/alice@hotmail.com/kick", nil},
	{"/connections/alice@hotmail.com/message", url.Values{"text": {"hi"}}},
	{"/password", url.Values{"current": {testPassword}, "password": {"new password 1"}, "confirm": {"new password 1"}}},
}

func TestChangesNeedSessionAndCSRF(t *testing.T) {
	ts := start(t)
	anon := ts.client(t)
	signedIn := ts.client(t).login()
	for _, ch := range changes {
		t.Run(strings.TrimPrefix(ch.path, "/"), func(t *testing.T) {
			anon.t, signedIn.t = t, t
			// No session, even with a token that is valid for another session.
			withToken := url.Values{"csrf": {signedIn.csrf}}
			for k, v := range ch.form {
				withToken[k] = v
			}
			expect(t, anon.postRaw(ch.path, withToken), http.StatusForbidden)
			// A session, but no token.
			expect(t, signedIn.postRaw(ch.path, ch.form), http.StatusForbidden, "security token")
			// A wrong token, in the form and in the header.
			wrong := url.Values{"csrf": {signedIn.csrf[:len(signedIn.csrf)-2] + "xx"}}
			for k, v := range ch.form {
				wrong[k] = v
			}
			expect(t, signedIn.postRaw(ch.path, wrong), http.StatusForbidden)
			expect(t, signedIn.postRaw(ch.path, ch.form, "X-CSRF-Token", "nope"), http.StatusForbidden)
			// Other methods are refused without a session too.
			req, _ := http.NewRequest(http.MethodPut, ts.url+ch.path, nil)
			if r := anon.do(req); r.status != http.StatusForbidden {
				t.Errorf("PUT without session: %d", r.status)
			}
		})
	}
	if n := ts.be.changed(); n != 0 {
		t.Fatalf("refused requests changed the backend %d times", n)
	}
	// The session survived all that.
	signedIn.t = t
	expect(t, signedIn.get("/"), http.StatusOK, "Dashboard")
}

func TestCSRFHeaderAccepted(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	r := c.postRaw("/broadcasts", url.Values{"kind": {"text"}, "text": {"by header"}}, "X-CSRF-Token", c.csrf)
	expectRedirect(t, r, "/broadcasts")
	if _, _, sent, _ := ts.be.recorded(); len(sent) != 1 {
		t.Fatal("broadcast not sent")
	}
}

func TestCSRFTokenBoundToSession(t *testing.T) {
	ts := start(t)
	a := ts.client(t).login()
	b := ts.client(t).login()
	if a.csrf == b.csrf {
		t.Fatal("two sessions share a CSRF token")
	}
	a.csrf, b.csrf = b.csrf, a.csrf
	expect(t, a.post("/broadcasts", url.Values{"kind": {"text"}, "text": {"x"}}), http.StatusForbidden)
}

// claimsOf decodes a JWT's claims without checking it.
func claimsOf(t *testing.T, raw string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestForgedSessionsRefused(t *testing.T) {
	ts := start(t)
	real := ts.client(t).login()
	good := claimsOf(t, real.sessionCookie())
	if good["jti"] == "" || good["sub"] != testAdmin || good["exp"] == nil {
		t.Fatalf("unexpected claims %v", good)
	}
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range good {
			c[k] = v
		}
		edit(c)
		return c
	}
	now := time.Now()
	raw := real.sessionCookie()
	parts := strings.Split(raw, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"msnserver-admin","sub":"root","jti":"`+good["jti"].(string)+`","exp":9999999999}`)) + "." + parts[2]

	cases := map[string]string{
		"wrong secret":   sign(t, jwt.SigningMethodHS256, []byte("not the secret, not the secret!!"), good),
		"expired":        sign(t, jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })),
		"no expiry":      sign(t, jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { delete(c, "exp") })),
		"unknown id":     sign(t, jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["jti"] = "made-up" })),
		"other user":     sign(t, jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["sub"] = "root" })),
		"other issuer":   sign(t, jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["iss"] = "someone" })),
		"HS512":          sign(t, jwt.SigningMethodHS512, testSecret, good),
		"alg none":       sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good),
		"tampered claim": tampered,
		"garbage":        "not.a.jwt",
	}
	for name, cookie := range cases {
		t.Run(name, func(t *testing.T) {
			c := ts.client(t)
			c.csrf = real.csrf // even with the right CSRF token
			c.setSessionCookie(cookie)
			expectRedirect(t, c.get("/accounts"), "/login?next=%2Faccounts")
			expect(t, c.post("/broadcasts", url.Values{"kind": {"text"}, "text": {"forged"}}), http.StatusForbidden)
		})
	}
	if n := ts.be.changed(); n != 0 {
		t.Fatalf("forged sessions changed the backend %d times", n)
	}
	// The real one still works, and a re-signed copy of it does too (the secret is the key).
	expect(t, real.get("/accounts"), http.StatusOK)
	c := ts.client(t)
	c.setSessionCookie(sign(t, jwt.SigningMethodHS256, testSecret, good))
	expect(t, c.get("/accounts"), http.StatusOK)
}

func TestSessionExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := start(t, func(c *admin.Config) { c.SessionTTL = time.Minute; c.Now = clock })
	c := ts.client(t).login()
	expect(t, c.get("/"), http.StatusOK)
	mu.Lock()
	now = now.Add(time.Minute) // the console's clock: no sleeping
	mu.Unlock()
	expectRedirect(t, c.get("/"), "/login?next=%2F")
	expect(t, c.post("/broadcasts", url.Values{"kind": {"text"}, "text": {"late"}}), http.StatusForbidden)
}

func TestSecurityHeaders(t *testing.T) {
	ts := start(t)
	c := ts.client(t)
	r := c.get("/login")
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html; charset=utf-8") {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
}

func TestPagesNeedSession(t *testing.T) {
	ts := start(t)
	c := ts.client(t)
	for _, path := range []string{"/", "/accounts", "/accounts/new", "/accounts/alice@hotmail.com", "/accounts/alice@hotmail.com/delete",
		"/policy", "/broadcasts", "/connections", "/setup", "/password"} {
		expectRedirect(t, c.get(path), "/login?next="+url.QueryEscape(path))
	}
	// HEAD too, without a body.
	req, _ := http.NewRequest(http.MethodHead, ts.url+"/accounts", nil)
	if r := c.do(req); r.status != http.StatusSeeOther {
		t.Fatalf("HEAD /accounts: %d", r.status)
	}
}

package admin_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"msnserver/admin"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// testServer is a console on 127.0.0.1 in front of a fake backend.
type testServer struct {
	url  string
	srv  *admin.Server
	be   *fakeBackend
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs a console; tweak may adjust its config.
func start(t testing.TB, tweak ...func(*admin.Config)) *testServer {
	t.Helper()
	cfg := admin.Config{Secret: testSecret, FailedLoginDelay: 20 * time.Millisecond}
	for _, fn := range tweak {
		fn(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	be := newFakeBackend()
	srv := admin.New(cfg, be, log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if strings.Contains(logs.String(), "panic") {
			t.Errorf("a handler panicked:\n%s", logs.String())
		}
	})
	return &testServer{url: "http://" + ln.Addr().String(), srv: srv, be: be, logs: logs}
}

// client is a browser stand-in: a cookie jar, no automatic redirects.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string // the session's CSRF token, once signed in
}

func (ts *testServer) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: ts.url, hc: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) location() string { return r.header.Get("Location") }

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// postRaw posts the form as it is.
func (c *client) postRaw(path string, form url.Values, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// post posts the form with the session's CSRF token, as the pages do.
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf", c.csrf)
	return c.postRaw(path, f)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the CSRF token in a page.
func token(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in page:\n%s", body)
	}
	return m[1]
}

// tryLogin submits the sign-in form.
func (c *client) tryLogin(user, password string) response {
	c.t.Helper()
	page := c.get("/login")
	if page.status != http.StatusOK {
		c.t.Fatalf("GET /login: %d", page.status)
	}
	return c.postRaw("/login", url.Values{"csrf": {token(c.t, page.body)}, "user": {user}, "password": {password}})
}

// login signs in and learns the session's CSRF token.
func (c *client) login() *client {
	c.t.Helper()
	r := c.tryLogin(testAdmin, testPassword)
	if r.status != http.StatusSeeOther || r.location() != "/" {
		c.t.Fatalf("login: %d %q\n%s", r.status, r.location(), r.body)
	}
	home := c.get("/")
	if home.status != http.StatusOK {
		c.t.Fatalf("GET / after login: %d", home.status)
	}
	c.csrf = token(c.t, home.body)
	return c
}

// sessionCookie is the raw session cookie the jar holds.
func (c *client) sessionCookie() string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "msnadmin_session" {
			return ck.Value
		}
	}
	return ""
}

func (c *client) setSessionCookie(v string) {
	u, _ := url.Parse(c.base)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "msnadmin_session", Value: v, Path: "/"}})
}

func expect(t testing.TB, r response, status int, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	for _, s := range contains {
		if !strings.Contains(r.body, s) {
			t.Fatalf("body lacks %q:\n%s", s, r.body)
		}
	}
}

func expectRedirect(t testing.TB, r response, to string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location() != to {
		t.Fatalf("got %d %q, want 303 to %q\n%s", r.status, r.location(), to, r.body)
	}
}

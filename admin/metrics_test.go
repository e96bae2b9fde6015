package admin_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"msnserver/admin"
)

// lanIP is a non-loopback address of this machine, or "".
func lanIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// /metrics mounted private: a loopback client reads it, a client from
// another address gets 404 until it signs in.
func TestMetricsPrivate(t *testing.T) {
	lan := lanIP()
	if lan == "" {
		t.Skip("no non-loopback address to connect from")
	}
	srv := admin.New(admin.Config{Secret: testSecret, FailedLoginDelay: time.Millisecond}, newFakeBackend(), nil)
	srv.MountPrivate("/metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "msn_online 1\n") }))
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	get := func(c *http.Client, host string) int {
		resp, err := c.Get("http://" + net.JoinHostPort(host, port) + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if code := get(plain, "127.0.0.1"); code != http.StatusOK {
		t.Fatalf("loopback: %d, want 200", code)
	}
	if code := get(plain, lan); code != http.StatusNotFound {
		t.Fatalf("from %s without a session: %d, want 404", lan, code)
	}
	c := &client{t: t, base: "http://" + net.JoinHostPort(lan, port)}
	jar, _ := cookiejar.New(nil)
	c.hc = &http.Client{Jar: jar, Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c.login()
	if code := get(c.hc, lan); code != http.StatusOK {
		t.Fatalf("from %s signed in: %d, want 200", lan, code)
	}
}

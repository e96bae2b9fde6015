package yahoo

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"msnserver/store"
)

type router map[string]http.Handler

func (r router) Handle(p string, h http.Handler) { r[p] = h }

func setup(t *testing.T) (*Service, router, *time.Time) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.CreateAccount(store.NewAccount{Email: "carol@yahoo.com", Password: "secret1", Network: store.NetworkYahoo}); err != nil {
		t.Fatal(err)
	}
	s := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), func() string { return "192.168.1.10" })
	now := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return now }
	r := router{}
	s.Mount(r)
	return s, r, &now
}

func call(t *testing.T, r router, path string, q url.Values) (string, http.Header) {
	t.Helper()
	// The absolute form libpurple sends: GET https://login.yahoo.com/config/… HTTP/1.1.
	req := httptest.NewRequest("GET", "https://login.yahoo.com"+path+"?"+q.Encode(), nil)
	req.RemoteAddr = "10.0.0.7:5555"
	w := httptest.NewRecorder()
	r[path].ServeHTTP(w, req)
	return w.Body.String(), w.Header()
}

func tokenFor(t *testing.T, r router) string {
	t.Helper()
	body, h := call(t, r, PathTokenGet, url.Values{"login": {"carol"}, "passwd": {"secret1"}})
	if !strings.HasPrefix(body, "0\r\nymsgr=") || h.Get("Content-Length") == "" {
		t.Fatalf("pwtoken_get: %q %v", body, h)
	}
	return strings.Split(body, "\r\n")[1][6:]
}

func TestExpiredTokenAndTicket(t *testing.T) {
	s, r, now := setup(t)
	tok := tokenFor(t, r)
	*now = now.Add(TokenTTL + time.Second)
	if body, _ := call(t, r, PathTokenLog, url.Values{"token": {tok}}); body != "100" {
		t.Fatalf("expired token: %q", body)
	}

	tok = tokenFor(t, r)
	body, _ := call(t, r, PathTokenLog, url.Values{"token": {tok}})
	var y, tc string
	for _, l := range strings.Split(body, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Y="); ok {
			y = v
		}
		if v, ok := strings.CutPrefix(l, "T="); ok {
			tc = v
		}
	}
	if _, ok := s.Redeem(tc, "v=1&n=wrong"); ok {
		t.Fatal("redeemed with a wrong Y cookie")
	}
	if _, ok := s.Redeem(tc, y); ok {
		t.Fatal("a ticket redeems once, even after a failed try")
	}

	tok = tokenFor(t, r)
	body, _ = call(t, r, PathTokenLog, url.Values{"token": {tok}})
	for _, l := range strings.Split(body, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Y="); ok {
			y = v
		}
		if v, ok := strings.CutPrefix(l, "T="); ok {
			tc = v
		}
	}
	*now = now.Add(TicketTTL + time.Second)
	if _, ok := s.Redeem(tc, y); ok {
		t.Fatal("an expired ticket redeemed")
	}
}

func TestRedeemAcceptsCookieTails(t *testing.T) {
	s, r, _ := setup(t)
	body, _ := call(t, r, PathTokenLog, url.Values{"token": {tokenFor(t, r)}})
	var y, tc, crumb string
	for _, l := range strings.Split(body, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Y="); ok {
			y = v
		}
		if v, ok := strings.CutPrefix(l, "T="); ok {
			tc = v
		}
		if v, ok := strings.CutPrefix(l, "crumb="); ok {
			crumb = v
		}
	}
	if !strings.Contains(tc, "; path=/") {
		t.Fatalf("T %q", tc)
	}
	tk, ok := s.Redeem(tc, y)
	if !ok || tk.Email != "carol@yahoo.com" || tk.Crumb != crumb || len(crumb) != 24 {
		t.Fatalf("redeem: %+v %v", tk, ok)
	}
}

func TestRateLimit(t *testing.T) {
	_, r, _ := setup(t)
	for i := 0; i < 20; i++ {
		if body, _ := call(t, r, PathTokenGet, url.Values{"login": {"carol"}, "passwd": {"bad"}}); body != "1212" {
			t.Fatalf("try %d: %q", i, body)
		}
	}
	// Past the limit the right password is not even checked.
	if body, _ := call(t, r, PathTokenGet, url.Values{"login": {"carol"}, "passwd": {"secret1"}}); body != "1236" {
		t.Fatalf("over the limit: %q", body)
	}
}

func TestCapacityAndIDs(t *testing.T) {
	_, r, _ := setup(t)
	if body, _ := call(t, r, PathCapacity, nil); body != "COLO_CAPACITY=1\r\nCS_IP_ADDRESS=192.168.1.10\r\n" {
		t.Fatalf("capacity %q", body)
	}
}

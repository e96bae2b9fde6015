package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"msnserver/ns/ticket"
	"msnserver/store"
	"msnserver/web/passport"
)

// countHandler counts log records whose message is msg.
type countHandler struct {
	slog.Handler
	msg string
	n   *atomic.Int64
}

func (h countHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return nil
}
func (h countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h countHandler) WithGroup(string) slog.Handler            { return h }

func rst(user, password string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust"><Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>` +
		user + `</wsse:Username><wsse:Password>` + password + `</wsse:Password></wsse:UsernameToken></wsse:Security></Header><Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS"><wst:RequestSecurityToken Id="RST0"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>messenger.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="?id=507"></wsse:PolicyReference></wst:RequestSecurityToken></ps:RequestMultipleSecurityTokens></Body></Envelope>`
}

// clientFrom posts from a given loopback source address (127.0.0.x), so one
// test can play several attackers.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 200}}
}

func postRST(t *testing.T, c *http.Client, url, body string) bool {
	t.Helper()
	resp, err := c.Post(url, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return false
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return strings.Contains(b.String(), "BinarySecurityToken")
}

// 100 concurrent wrong passwords run at most the limit's worth of password
// checks (the attempt is reserved before bcrypt), /RST.srf and /rst.srf
// share one budget, and the limit holds per account across addresses:
// afterwards the right password is refused from another address too.
func TestLoginLimitIsReservedAndShared(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{PasswordCost: 8}) // slow enough that concurrent requests overlap their checks
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "right"})
	signer, _ := ticket.New([]byte("0123456789abcdef0123456789abcdef"))
	var checked atomic.Int64
	log := slog.New(countHandler{Handler: slog.DiscardHandler, msg: "RST failed", n: &checked})
	srv := httptest.NewServer(New(Deps{Store: st, Tickets: signer, Log: log}))
	defer srv.Close()

	c := clientFrom("127.0.0.1")
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			path := "/RST.srf"
			if i%2 == 1 {
				path = "/rst.srf"
			}
			postRST(t, c, srv.URL+path, rst("alice@hotmail.com", "wrong"))
		}(i)
	}
	wg.Wait()
	if n := checked.Load(); n > passport.MaxFailures {
		t.Fatalf("%d passwords checked, limit %d", n, passport.MaxFailures)
	}
	if postRST(t, c, srv.URL+"/rst.srf", rst("alice@hotmail.com", "right")) {
		t.Fatal("the right password got through /rst.srf after the budget was spent on both paths")
	}
	if postRST(t, clientFrom("127.0.0.2"), srv.URL+"/RST.srf", rst("alice@hotmail.com", "right")) {
		t.Fatal("another address got past the account's limit")
	}
}

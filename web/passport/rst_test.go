package passport

import (
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"msnserver/ns/ratelimit"
	"msnserver/ns/ticket"
	"msnserver/store"
)

func newService(t testing.TB) (*Service, *store.Store, *ticket.Signer) {
	_, fuzzing := t.(*testing.F) // fuzz targets write per input: no fsync
	st, err := store.Open(t.TempDir(), store.Options{NoSync: fuzzing, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	signer, _ := ticket.New([]byte("0123456789abcdef0123456789abcdef"))
	return New(st, signer, slog.New(slog.DiscardHandler)), st, signer
}

var addresses = []string{"http://Passport.NET/tb", "messenger.msn.com", "contacts.msn.com", "messengerclear.live.com", "messengersecure.live.com", "spaces.live.com", "storage.msn.com"}

func request(user, password string, addrs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust"><Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>`)
	xml.EscapeText(&b, []byte(user))
	b.WriteString(`</wsse:Username><wsse:Password>`)
	xml.EscapeText(&b, []byte(password))
	b.WriteString(`</wsse:Password></wsse:UsernameToken></wsse:Security></Header><Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS">`)
	for i, a := range addrs {
		b.WriteString(`<wst:RequestSecurityToken Id="RST` + string(rune('0'+i)) + `"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>` + a + `</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="MBI"></wsse:PolicyReference></wst:RequestSecurityToken>`)
	}
	b.WriteString(`</ps:RequestMultipleSecurityTokens></Body></Envelope>`)
	return b.String()
}

func call(t testing.TB, s *Service, body string) (int, string) {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/RST.srf", strings.NewReader(body)))
	out, _ := io.ReadAll(rec.Body)
	return rec.Code, string(out)
}

func TestTokens(t *testing.T) {
	s, st, signer := newService(t)
	acct, _ := st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "s3cret&pw"})
	code, body := call(t, s, request("Alice@Hotmail.com", "s3cret&pw", addresses...))
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	// One response per address, in request order.
	got := regexp.MustCompile(`<wsa:Address>([^<]+)</wsa:Address>`).FindAllStringSubmatch(body, -1)
	if len(got) != len(addresses) {
		t.Fatalf("%d responses for %d addresses", len(got), len(addresses))
	}
	for i, m := range got {
		if m[1] != addresses[i] {
			t.Fatalf("response %d is for %s, want %s", i, m[1], addresses[i])
		}
	}
	// The first BinarySecurityToken is the messenger ticket, Compact1.
	first := regexp.MustCompile(`<wsse:BinarySecurityToken Id="(\w+)">t=([A-Za-z0-9._-]+)&amp;p=</wsse:BinarySecurityToken>`).FindStringSubmatch(body)
	if first == nil || first[1] != "Compact1" {
		t.Fatalf("first token: %v", first)
	}
	if tk, err := signer.Check(first[2]); err != nil || tk.AccountID != acct.ID {
		t.Fatalf("ticket does not check: %v", err)
	}
	legacy := body[:strings.Index(body, "messenger.msn.com")]
	if strings.Contains(legacy, "BinarySecurityToken") || !strings.Contains(legacy, "urn:passport:legacy") {
		t.Fatal("the legacy response must carry no BinarySecurityToken")
	}
	for _, want := range []string{`<psf:PUID>`, `<wst:LifeTime>`, `<psf:authstate>0x48803</psf:authstate>`, `Id="Compact6"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("response lacks %q", want)
		}
	}
	var doc struct{}
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("response is not XML: %v", err)
	}
}

func TestFaults(t *testing.T) {
	s, st, _ := newService(t)
	st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "pw"})
	st.CreateAccount(store.NewAccount{Email: "off@hotmail.com", Password: "pw"})
	st.UpdateAccount("off@hotmail.com", func(a *store.Account) error { a.Disabled = true; return nil })
	failed := regexp.MustCompile(`^<\?xml version="1.0" encoding="utf-8"\?><S:Envelope [^>]*><S:Header><psf:pp [^>]*>.*<psf:reqstatus>0x80048821</psf:reqstatus>.*</S:Header><S:Fault><faultcode>wsse:FailedAuthentication</faultcode><faultstring>Authentication Failure</faultstring></S:Fault><S:Body><S:Fault><faultcode>wsse:FailedAuthentication</faultcode><faultstring>Authentication Failure</faultstring></S:Fault></S:Body></S:Envelope>$`)
	for _, c := range [][2]string{{"alice@hotmail.com", "wrong"}, {"nobody@hotmail.com", "pw"}, {"off@hotmail.com", "pw"}} {
		code, body := call(t, s, request(c[0], c[1], addresses[:2]...))
		if code != 200 || !failed.MatchString(body) || strings.Contains(body, "BinarySecurityToken") {
			t.Fatalf("%s/%s: %d %s", c[0], c[1], code, body)
		}
		// Both kinds of reader find the text: Envelope/Fault (the Passport
		// layout) and Envelope/Body/Fault (libpurple).
		var doc struct {
			AtEnvelope string `xml:"Fault>faultstring"`
			InBody     string `xml:"Body>Fault>faultstring"`
		}
		if err := xml.Unmarshal([]byte(body), &doc); err != nil || doc.AtEnvelope != "Authentication Failure" || doc.InBody != "Authentication Failure" {
			t.Fatalf("faultstring where readers look: %+v, %v", doc, err)
		}
	}
	for _, bad := range []string{"", "<Envelope><Body><RequestSecurityToken", request("", "pw", "messenger.msn.com"), request("alice@hotmail.com", "pw")} {
		code, body := call(t, s, bad)
		if code != 200 || !strings.Contains(body, "<faultcode>S:Client</faultcode>") {
			t.Fatalf("malformed %q: %d %s", bad, code, body)
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/RST.srf", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", rec.Code)
	}
}

// TestNoEnumerationByCost: an unknown account costs one bcrypt run, as a
// wrong password does, so answer times do not tell which accounts exist.
// Counted, not timed: a timing test fails on a busy machine.
func TestNoEnumerationByCost(t *testing.T) {
	s, st, _ := newService(t)
	st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "pw"})
	runs := func(user, password string) int64 {
		before := store.PasswordChecks()
		call(t, s, request(user, password, "messenger.msn.com"))
		return store.PasswordChecks() - before
	}
	if known, unknown := runs("alice@hotmail.com", "wrong"), runs("nobody@hotmail.com", "wrong"); known != 1 || unknown != 1 {
		t.Fatalf("bcrypt runs: wrong password %d, unknown account %d; want 1 each", known, unknown)
	}
}

func TestRateLimit(t *testing.T) {
	s, st, _ := newService(t)
	st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "pw"})
	for i := 0; i < 20; i++ {
		call(t, s, request("alice@hotmail.com", "wrong", "messenger.msn.com"))
	}
	if _, body := call(t, s, request("alice@hotmail.com", "pw", "messenger.msn.com")); !strings.Contains(body, "FailedAuthentication") {
		t.Fatal("the right password was accepted past the failure limit")
	}
}

// A user whose password was verified lately signs in again even while a
// guesser has used up the address's budget: only a right password is ever
// remembered, so the guesser gains nothing; a password not remembered yet
// still waits for the limit.
func TestRememberedPasswordPassesTheLimit(t *testing.T) {
	s, st, _ := newService(t)
	st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "pw"})
	st.CreateAccount(store.NewAccount{Email: "bob@hotmail.com", Password: "pw2"})
	if _, body := call(t, s, request("alice@hotmail.com", "pw", "messenger.msn.com")); !strings.Contains(body, "BinarySecurityToken") {
		t.Fatalf("first sign-in: %s", body)
	}
	for i := 0; i < 20; i++ {
		call(t, s, request("alice@hotmail.com", "wrong", "messenger.msn.com"))
	}
	if _, body := call(t, s, request("alice@hotmail.com", "pw", "messenger.msn.com")); !strings.Contains(body, "BinarySecurityToken") {
		t.Fatalf("returning sign-in refused by the guessing limit: %s", body)
	}
	if _, body := call(t, s, request("bob@hotmail.com", "pw2", "messenger.msn.com")); !strings.Contains(body, "FailedAuthentication") {
		t.Fatal("a password not remembered yet passed an exhausted address budget")
	}
	// A disabled account gets no token, remembered password or not.
	st.SetDisabled("alice@hotmail.com", true)
	if _, body := call(t, s, request("alice@hotmail.com", "pw", "messenger.msn.com")); !strings.Contains(body, "FailedAuthentication") {
		t.Fatal("a disabled account signed in")
	}
}

func FuzzRST(f *testing.F) {
	f.Add(request("alice@hotmail.com", "pw", addresses...))
	f.Add(request("alice@hotmail.com", "wrong", "messenger.msn.com"))
	f.Add("<Envelope><Header/><Body/></Envelope>")
	s, st, _ := newService(f)
	st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "pw"})
	s.limiter = ratelimit.New(1<<30, time.Minute)
	f.Fuzz(func(t *testing.T, body string) {
		code, out := call(t, s, body)
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		if strings.Contains(out, "BinarySecurityToken") && !strings.Contains(body, "<wsse:Password>pw</wsse:Password>") && !strings.Contains(body, "Password>pw<") {
			// A token needs the right password somewhere in the request.
			if !strings.Contains(body, "pw") {
				t.Fatalf("token issued without the password: %q", body)
			}
		}
	})
}

// Everyone behind one address signing in at once right after a restart
// (nothing remembered yet, more sign-ins than the address's budget) gets a
// token: the checks under way are waited for, not counted as refusals.
func TestReconnectStormFromOneAddress(t *testing.T) {
	s, st, _ := newService(t)
	// Hold the first MaxFailures checks until all of them are under way,
	// so the address's budget is full of checks in flight whatever the
	// scheduling (the old limiter refused every sign-in past it).
	var arrived atomic.Int32
	release := make(chan struct{})
	checkPassword = func(a *store.Account, pw string) bool {
		if arrived.Add(1) == MaxFailures {
			close(release)
		}
		<-release
		return store.CheckPassword(a, pw)
	}
	t.Cleanup(func() { checkPassword = store.CheckPassword })
	const users = 3 * MaxFailures
	var accts []store.NewAccount
	for i := range users {
		accts = append(accts, store.NewAccount{Email: fmt.Sprintf("u%d@hotmail.com", i), Password: "pw"})
	}
	for _, a := range accts {
		if _, err := st.CreateAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	refused := make(chan string, users)
	for _, a := range accts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, body := call(t, s, request(a.Email, "pw", "messenger.msn.com")); !strings.Contains(body, "BinarySecurityToken") {
				refused <- a.Email
			}
		}()
	}
	wg.Wait()
	close(refused)
	for e := range refused {
		t.Errorf("%s was refused", e)
	}
}

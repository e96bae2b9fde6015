package ab

import (
	"net/http"
	"strings"
	"testing"

	"msnserver/ns/ticket"
	"msnserver/store"
)

func TestTicketFaults(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	gone := e.user("gone@hotmail.com", "Gone", 1)
	if err := e.st.DeleteAccount(gone.Email); err != nil {
		t.Fatal(err)
	}
	other, _ := ticket.New([]byte(strings.Repeat("x", 32)))
	for name, tok := range map[string]string{
		"missing":        "-",
		"empty":          "",
		"forged":         "t=forgedforgedforgedforged&p=",
		"other key":      ticket.Compact(other.Issue(a.ID)),
		"expired":        expiredTicket(a.ID),
		"deleted user":   gone.ticket,
		"truncated":      a.ticket[:len(a.ticket)-6],
		"garbage escape": "t=&amp;&lt;",
	} {
		for _, call := range []struct{ path, action, body string }{
			{abPath, "ABFindAll", findAllBody(false, "")},
			{sharingPath, "FindMembership", findMembershipBody(false, "")},
			{sharingPath, "AddMember", membershipBody("Block", memberXML("alice@hotmail.com", 1))},
		} {
			r := e.post(call.path, call.action, envelope(tok, call.action, call.body), nil)
			if r.status != 500 || r.errorcode() != "BadContextToken" || r.root.text("faultcode") != "soap:Client" ||
				strings.Contains(r.body, "Result>") {
				t.Errorf("%s ticket, %s: %d %s", name, call.action, r.status, r.body)
			}
		}
	}
	if m := members(e.findMembership(a)); len(m["Block"]) != 0 {
		t.Fatal("a refused call changed the lists")
	}
}

// libpurple sends no TicketToken but the profile's MSPAuth as a cookie.
func TestMSPAuthCookie(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	raw := ticket.Token(a.ticket)
	for _, cookie := range []string{"MSPAuth=" + raw, "MSPProf=x; MSPAuth=" + raw + "; other=1", "MSPAuth=" + a.ticket} {
		r := e.post(abPath, "ABFindAll", envelope("-", "ABFindAll", findAllBody(false, "")), map[string]string{"Cookie": cookie})
		res := r.ok(t, "ABFindAllResult")
		if res.find("ab").text("ownerEmail") != "alice@hotmail.com" {
			t.Fatalf("cookie %q: %s", cookie, r.body)
		}
	}
	r := e.post(abPath, "ABFindAll", envelope("-", "ABFindAll", findAllBody(false, "")), map[string]string{"Cookie": "MSPAuth=nope"})
	r.fault(t, "BadContextToken")
	// The header wins over the cookie.
	r = e.post(abPath, "ABFindAll", envelope("t=forgedforgedforged&p=", "ABFindAll", findAllBody(false, "")), map[string]string{"Cookie": "MSPAuth=" + raw})
	r.fault(t, "BadContextToken")
}

func TestDisabledAccount(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	if _, err := e.st.UpdateAccount(a.Email, func(x *store.Account) error { x.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	e.ab(a, "ABFindAll", findAllBody(false, "")).fault(t, "BadContextToken")
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	for name, body := range map[string]string{
		"empty":        "",
		"not xml":      "hello",
		"truncated":    envelope(a.ticket, "ABFindAll", findAllBody(false, ""))[:200],
		"no envelope":  `<?xml version="1.0"?><ABFindAll/>`,
		"empty body":   envelopeStart + `<soap:Body></soap:Body></soap:Envelope>`,
		"bad header":   envelopeStart + `<soap:Header><ABAuthHeader><TicketToken>x</ABAuthHeader></soap:Header><soap:Body><ABFindAll/></soap:Body></soap:Envelope>`,
		"bad bool":     envelope(a.ticket, "ABContactUpdate", contactsBody(`<Contact><contactId>x</contactId><contactInfo><isMessengerUser><x/></isMessengerUser></contactInfo></Contact>`)),
		"huge":         envelope(a.ticket, "ABFindAll", strings.Repeat("<x>", 100000)),
		"wrong entity": envelope(a.ticket, "ABFindAll", "&bogus;"),
	} {
		r := e.post(abPath, "ABFindAll", body, nil)
		if r.status != 500 || r.root == nil || r.root.find("Fault") == nil || r.errorcode() == "" {
			t.Errorf("%s: %d %.300s", name, r.status, r.body)
		}
	}
	e.ab(a, "ABFindContactsPaged", "").fault(t, "NotImplemented")
	e.sharing(a, "ABFindAll", findAllBody(false, "")).fault(t, "NotImplemented") // wrong service
	resp, err := http.Get(e.srv.URL + abPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

// The fault document matches soap-services.md §7.
func TestFaultShape(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	r := e.ab(a, "ABContactDelete", contactsBody(`<Contact><contactId>c1f9a363-4ee9-4a33-a434-b056a4c55b98</contactId></Contact>`))
	r.fault(t, "ContactDoesNotExist")
	want := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
		`<soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Contact Does Not Exist</faultstring>` +
		`<faultactor>http://www.msn.com/webservices/AddressBook/ABContactDelete</faultactor><detail>` +
		`<errorcode xmlns="http://www.msn.com/webservices/AddressBook">ContactDoesNotExist</errorcode>` +
		`<errorstring xmlns="http://www.msn.com/webservices/AddressBook">Contact Does Not Exist</errorstring>` +
		`<machineName xmlns="http://www.msn.com/webservices/AddressBook">MSNSERVER</machineName></detail></soap:Fault></soap:Body></soap:Envelope>`
	if r.body != want {
		t.Fatalf("fault document:\n%s\nwant\n%s", r.body, want)
	}
	if r.header.Get("Content-Type") != "text/xml; charset=utf-8" {
		t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
	}
}

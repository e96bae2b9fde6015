package backend_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"msnserver/ns"
	"msnserver/store"
)

// abFindAll reads the address book with a ticket; it reports whether the
// service accepted the ticket.
func (s *stack) abFindAll(t *testing.T, tk string) bool {
	t.Helper()
	tok := strings.TrimSuffix(strings.TrimPrefix(tk, "t="), "&p=")
	body := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><ABApplicationHeader xmlns="http://www.msn.com/webservices/AddressBook"><ApplicationId>CFE80F9D-180F-4399-82AB-413F33A1FA11</ApplicationId><IsMigration>false</IsMigration><PartnerScenario>Initial</PartnerScenario></ABApplicationHeader><ABAuthHeader xmlns="http://www.msn.com/webservices/AddressBook"><ManagedGroupRequest>false</ManagedGroupRequest><TicketToken>` +
		strings.ReplaceAll(tok, "&", "&amp;") + `</TicketToken></ABAuthHeader></soap:Header><soap:Body><ABFindAll xmlns="http://www.msn.com/webservices/AddressBook"><abId>00000000-0000-0000-0000-000000000000</abId><abView>Full</abView><deltasOnly>false</deltasOnly><lastChange>0001-01-01T00:00:00.0000000-08:00</lastChange></ABFindAll></soap:Body></soap:Envelope>`
	req, _ := http.NewRequest(http.MethodPost, s.httpURL+"/abservice/abservice.asmx", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", "http://www.msn.com/webservices/AddressBook/ABFindAll")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && strings.Contains(string(b), "ABFindAllResponse")
}

// expectTicketRefused presents tk at the NS: 911 and a close.
func (s *stack) expectTicketRefused(t *testing.T, email, tk string) {
	t.Helper()
	c := s.start(t, email, ns.DefaultPolicy)
	c.Send("USR 4 TWN S " + tk)
	c.Expect("911 4")
	c.ExpectClosed()
}

// A password change from the console ends the user's session and revokes
// every ticket issued before it, at the NS and at the SOAP services; a
// disable does the same, and enabling again does not revive them.
func TestConsoleRevokesTickets(t *testing.T) {
	s := startStack(t)
	if _, err := s.store.CreateAccount(store.NewAccount{Email: "kim@example.com", Password: "old-pw"}); err != nil {
		t.Fatal(err)
	}
	c, tk := s.login(t, "kim@example.com", "old-pw", ns.DefaultPolicy)
	if !s.abFindAll(t, tk) {
		t.Fatal("a fresh ticket cannot read the address book")
	}

	if err := s.be.SetPassword(context.Background(), "kim@example.com", "new-pw"); err != nil {
		t.Fatal(err)
	}
	c.Expect("OUT OTH")
	c.ExpectClosed()
	s.expectTicketRefused(t, "kim@example.com", tk)
	if s.abFindAll(t, tk) {
		t.Fatal("the address book accepted a ticket from before the password change")
	}

	c, tk = s.login(t, "kim@example.com", "new-pw", ns.DefaultPolicy)
	if err := s.be.SetDisabled(context.Background(), "kim@example.com", true); err != nil {
		t.Fatal(err)
	}
	c.Expect("OUT OTH")
	c.ExpectClosed()
	if err := s.be.SetDisabled(context.Background(), "kim@example.com", false); err != nil {
		t.Fatal(err)
	}
	s.expectTicketRefused(t, "kim@example.com", tk)
	if s.abFindAll(t, tk) {
		t.Fatal("disable and enable revived an old ticket")
	}
	c, _ = s.login(t, "kim@example.com", "new-pw", ns.DefaultPolicy)
	c.Conn.Close()
}

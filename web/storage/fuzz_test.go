package storage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"msnserver/ns/ticket"
	"msnserver/store"
)

// FuzzEnvelope sends arbitrary storage requests from an authenticated
// caller: any action, any body. The service must answer 200 or a SOAP fault
// (500), never panic, and keep its documents within the limits.
func FuzzEnvelope(f *testing.F) {
	dir := f.TempDir()
	st, err := store.Open(dir, store.Options{NoSync: true, PasswordCost: 4}) // a write per input: no fsync
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	acct, err := st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "pw", Name: "Alice", Network: 1})
	if err != nil {
		f.Fatal(err)
	}
	signer, _ := ticket.New([]byte(strings.Repeat("k", 32)))
	svc := New(st, signer, nil)
	tok := ticket.Compact(signer.Issue(acct.ID))
	cid := cidHex(acct)

	f.Add("GetProfile", `<profileHandle><Alias><Name>`+cid+`</Name><NameSpace>MyCidStuff</NameSpace></Alias><RelationshipName>MyProfile</RelationshipName></profileHandle>`)
	f.Add("UpdateProfile", `<profile><ResourceID>`+cid+`!118</ResourceID><ExpressionProfile><DisplayName>x</DisplayName><PersonalStatus>y</PersonalStatus></ExpressionProfile></profile>`)
	f.Add("CreateDocument", `<parentHandle><RelationshipName>/UserTiles</RelationshipName><Alias><Name>`+cid+`</Name></Alias></parentHandle><document><DocumentStreams><DocumentStream><Data>iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==</Data></DocumentStream></DocumentStreams></document>`)
	f.Add("CreateRelationships", `<relationships><Relationship><SourceID>`+cid+`!118</SourceID><TargetID>`+cid+`!1001</TargetID><RelationshipName>ProfilePhoto</RelationshipName></Relationship></relationships>`)
	f.Add("DeleteRelationships", `<sourceHandle><ResourceID>`+cid+`!118</ResourceID></sourceHandle><targetHandles><ObjectHandle><ResourceID>`+cid+`!1001</ResourceID></ObjectHandle></targetHandles>`)
	f.Add("FindDocuments", `<objectHandle><RelationshipName>/UserTiles</RelationshipName><Alias><Name>`+cid+`</Name></Alias></objectHandle>`)
	f.Add("UpdateDocument", `<document><ResourceID>!</ResourceID></document>`)
	f.Fuzz(func(t *testing.T, action, inner string) {
		if action == "" || strings.ContainsAny(action, "<>&\"' /=") {
			return
		}
		body := `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><StorageUserHeader><TicketToken>` +
			strings.ReplaceAll(tok, "&", "&amp;") + `</TicketToken></StorageUserHeader></soap:Header><soap:Body><` + action + `>` + inner + `</` + action + `></soap:Body></soap:Envelope>`
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, httptest.NewRequest("POST", Path, strings.NewReader(body)))
		if rec.Code != http.StatusOK && rec.Code != http.StatusInternalServerError {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		docs, err := st.Documents(acct.ID)
		if err != nil || len(docs) > store.MaxDocuments {
			t.Fatalf("%d documents: %v", len(docs), err)
		}
	})
}

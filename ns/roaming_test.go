package ns

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// storageCall posts one SchematizedStore action the way Messenger 8.5 does
// (to //storageservice/…, ticket in StorageUserHeader) and returns the
// status and body.
func (ts *testServer) storageCall(ticket, action, inner string) (int, string) {
	ts.t.Helper()
	body := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Header>` +
		`<StorageApplicationHeader xmlns="http://www.msn.com/webservices/storage/w10"><ApplicationID>Messenger Client 8.5</ApplicationID><Scenario>Initial</Scenario></StorageApplicationHeader>` +
		`<StorageUserHeader xmlns="http://www.msn.com/webservices/storage/w10"><Puid>0</Puid><TicketToken>` + html.EscapeString(ticket) + `</TicketToken></StorageUserHeader></soap:Header>` +
		`<soap:Body><` + action + ` xmlns="http://www.msn.com/webservices/storage/w10">` + inner + `</` + action + `></soap:Body></soap:Envelope>`
	req, _ := http.NewRequest("POST", ts.web.URL+"//storageservice/SchematizedStore.asmx", strings.NewReader(body))
	req.Header.Set("SOAPAction", "http://www.msn.com/webservices/storage/w10/"+action)
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func (ts *testServer) mustStorage(ticket, action, inner string) string {
	ts.t.Helper()
	status, body := ts.storageCall(ticket, action, inner)
	if status != http.StatusOK {
		ts.t.Fatalf("%s: %d %s", action, status, body)
	}
	return body
}

func xmlText(t testing.TB, doc, elem string) string {
	t.Helper()
	m := regexp.MustCompile(`<` + elem + `>([^<]*)</` + elem + `>`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("no <%s> in %s", elem, doc)
	}
	return html.UnescapeString(m[1])
}

// A 1×1 PNG.
var tinyPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// TestRoamingAcrossSignIns: what one MSNP15 sign-in stores (name, personal
// message, picture) the next sign-in finds, after a restart, and the picture
// URL serves the picture with its type.
func TestRoamingAcrossSignIns(t *testing.T) {
	ts := startServer(t, Options{})
	a := ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	cid := fmt.Sprint(a.CID)
	profileHandle := `<profileHandle><Alias><Name>` + cid + `</Name><NameSpace>MyCidStuff</NameSpace></Alias><RelationshipName>MyProfile</RelationshipName></profileHandle><profileAttributes><ResourceID>true</ResourceID><DateModified>true</DateModified><ExpressionProfileAttributes><ResourceID>true</ResourceID><DateModified>true</DateModified><DisplayName>true</DisplayName><DisplayNameLastModified>true</DisplayNameLastModified><PersonalStatus>true</PersonalStatus><PersonalStatusLastModified>true</PersonalStatusLastModified><StaticUserTilePublicURL>true</StaticUserTilePublicURL><Photo>true</Photo><Flags>true</Flags></ExpressionProfileAttributes></profileAttributes>`

	// First PC: sign in, read the (implicit) profile, change everything.
	c := ts.loginSSO("alice@hotmail.com", "pw")
	_, _, st := ts.rstSSOAll("alice@hotmail.com", "pw")
	got := ts.mustStorage(st, "GetProfile", profileHandle)
	if xmlText(t, got, "DisplayName") != "Alice" || strings.Contains(got, "<Photo>") {
		t.Fatalf("first GetProfile: %s", got)
	}
	expr := xmlText(t, regexp.MustCompile(`<ExpressionProfile>.*`).FindString(got), "ResourceID")
	ts.mustStorage(st, "UpdateProfile", `<profile><ResourceID>`+xmlText(t, got, "ResourceID")+`</ResourceID><ExpressionProfile><FreeText>Update</FreeText><DisplayName>Alice &amp; co</DisplayName><PersonalStatus>roaming ok</PersonalStatus><Flags>0</Flags></ExpressionProfile></profile>`)
	doc := ts.mustStorage(st, "CreateDocument", `<parentHandle><RelationshipName>/UserTiles</RelationshipName><Alias><Name>`+cid+`</Name><NameSpace>MyCidStuff</NameSpace></Alias></parentHandle><document xsi:type="Photo"><Name>tile.png</Name><DocumentStreams><DocumentStream xsi:type="PhotoStream"><DocumentStreamType>UserTileStatic</DocumentStreamType><MimeType>image/png</MimeType><Data>`+base64.StdEncoding.EncodeToString(tinyPNG)+`</Data><DataSize>0</DataSize></DocumentStream></DocumentStreams></document><relationshipName>Messenger User Tile</relationshipName>`)
	docID := xmlText(t, doc, "CreateDocumentResult")
	ts.mustStorage(st, "CreateRelationships", `<relationships><Relationship><SourceID>`+expr+`</SourceID><SourceType>SubProfile</SourceType><TargetID>`+docID+`</TargetID><TargetType>Photo</TargetType><RelationshipName>ProfilePhoto</RelationshipName></Relationship></relationships>`)
	if found := ts.mustStorage(st, "FindDocuments", `<objectHandle><RelationshipName>/UserTiles</RelationshipName><Alias><Name>`+cid+`</Name><NameSpace>MyCidStuff</NameSpace></Alias></objectHandle>`); !strings.Contains(found, docID) {
		t.Fatalf("FindDocuments: %s", found)
	}
	c.Send("OUT")
	c.ExpectClosed()

	// Second PC, after a restart.
	ts.restart(Options{})
	ts.loginSSO("alice@hotmail.com", "pw")
	_, _, st = ts.rstSSOAll("alice@hotmail.com", "pw")
	got = ts.mustStorage(st, "GetProfile", profileHandle)
	if xmlText(t, got, "DisplayName") != "Alice & co" || xmlText(t, got, "PersonalStatus") != "roaming ok" {
		t.Fatalf("profile did not roam: %s", got)
	}
	if !strings.Contains(got, "<ResourceID>"+docID+"</ResourceID>") || xmlText(t, got, "MimeType") != "image/png" {
		t.Fatalf("photo did not roam: %s", got)
	}
	url := xmlText(t, got, "PreAuthURL")
	if xmlText(t, got, "StaticUserTilePublicURL") != url {
		t.Fatalf("tile URL: %s", got)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	pic, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(pic, tinyPNG) {
		t.Fatalf("picture: %d %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(pic))
	}

	// Unlinking the photo leaves the document but not the profile's picture.
	ts.mustStorage(st, "DeleteRelationships", `<sourceHandle><ResourceID>`+expr+`</ResourceID></sourceHandle><targetHandles><ObjectHandle><ResourceID>`+docID+`</ResourceID></ObjectHandle></targetHandles>`)
	if got = ts.mustStorage(st, "GetProfile", profileHandle); strings.Contains(got, "<Photo>") {
		t.Fatalf("photo still linked: %s", got)
	}
}

// TestStorageFaults: tickets are checked, other accounts' items do not exist,
// pictures are size-limited and must be images.
func TestStorageFaults(t *testing.T) {
	ts := startServer(t, Options{})
	a := ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	b := ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	_, _, st := ts.rstSSOAll("alice@hotmail.com", "pw")
	handle := func(cid int64) string {
		return fmt.Sprintf(`<profileHandle><Alias><Name>%d</Name><NameSpace>MyCidStuff</NameSpace></Alias><RelationshipName>MyProfile</RelationshipName></profileHandle>`, cid)
	}
	fault := func(ticket, action, inner, code string) {
		t.Helper()
		status, body := ts.storageCall(ticket, action, inner)
		if status != http.StatusInternalServerError || !strings.Contains(body, "<errorcode xmlns=\"http://www.msn.com/webservices/storage/w10\">"+code+"</errorcode>") {
			t.Fatalf("%s: want fault %s, got %d %s", action, code, status, body)
		}
	}
	fault("t=forged.ticket&p=", "GetProfile", handle(a.CID), "AuthenticationFailed")
	fault("", "GetProfile", handle(a.CID), "AuthenticationFailed")
	fault(st, "GetProfile", handle(b.CID), "ItemDoesNotExist")
	fault(st, "UpdateDocument", `<document><ResourceID>`+fmt.Sprintf("%016X", uint64(b.CID))+`!1001</ResourceID></document>`, "ItemDoesNotExist")
	fault(st, "NoSuchAction", ``, "NotImplemented")
	upload := func(data []byte) string {
		return `<parentHandle><RelationshipName>/UserTiles</RelationshipName><Alias><Name>` + fmt.Sprint(a.CID) + `</Name><NameSpace>MyCidStuff</NameSpace></Alias></parentHandle><document><Name>x</Name><DocumentStreams><DocumentStream><DocumentStreamType>UserTileStatic</DocumentStreamType><MimeType>image/png</MimeType><Data>` + base64.StdEncoding.EncodeToString(data) + `</Data></DocumentStream></DocumentStreams></document>`
	}
	fault(st, "CreateDocument", upload([]byte("<html><script>alert(1)</script></html>")), "InvalidObjectData")
	fault(st, "CreateDocument", upload(append(append([]byte(nil), tinyPNG...), make([]byte, 130*1024)...)), "QuotaExceeded")
	// A password change revokes the storage ticket like every other.
	if err := ts.store.SetPassword("alice@hotmail.com", "new"); err != nil {
		t.Fatal(err)
	}
	fault(st, "GetProfile", handle(a.CID), "AuthenticationFailed")
}

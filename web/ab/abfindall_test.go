package ab

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestABFindAllNewAccount(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice & <Co>", 1)
	r := e.ab(a, "ABFindAll", findAllBody(false, "0001-01-01T00:00:00.0000000-08:00"))
	res := r.ok(t, "ABFindAllResult")
	if ct := r.header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length %q for %d bytes", r.header.Get("Content-Length"), len(r.body))
	}
	if !strings.HasPrefix(r.body, `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"`) {
		t.Errorf("envelope start: %.200s", r.body)
	}
	if !strings.Contains(r.body, `<ABFindAllResponse xmlns="http://www.msn.com/webservices/AddressBook">`) ||
		!strings.Contains(r.body, `<ServiceHeader xmlns="http://www.msn.com/webservices/AddressBook">`) {
		t.Errorf("namespaces: %s", r.body)
	}
	sh := r.root.find("ServiceHeader")
	if sh.text("PreferredHostName") != "contacts.msn.com" || sh.text("CacheKeyChanged") != "true" ||
		!strings.HasPrefix(sh.text("CacheKey"), "12r1;") || !validGUID(sh.text("SessionId")) || sh.text("Version") == "" {
		t.Errorf("ServiceHeader: %v", sh.childNames())
	}
	if len(contacts(res)) != 0 || res.find("groups") == nil || len(res.find("groups").Kids) != 0 {
		t.Fatalf("new account has entries: %s", r.body)
	}
	cs := res.findAll("Contact")
	if len(cs) != 1 {
		t.Fatalf("want only the Me contact, got %d", len(cs))
	}
	me := cs[0]
	info := me.find("contactInfo")
	if info.text("contactType") != "Me" || info.text("displayName") != "Alice & <Co>" || info.text("quickName") != "Alice & <Co>" ||
		info.text("passportName") != "alice@hotmail.com" || info.text("CID") != strconv.FormatInt(a.CID, 10) {
		t.Errorf("Me contact: %s", r.body)
	}
	if me.text("contactId") != meContactID(a.CID) || !validGUID(me.text("contactId")) {
		t.Errorf("Me contactId %q", me.text("contactId"))
	}
	anns := map[string]string{}
	for _, an := range info.findAll("Annotation") {
		anns[an.text("Name")] = an.text("Value")
	}
	if anns["MSN.IM.BLP"] != "1" || anns["MSN.IM.GTC"] != "1" || anns["MSN.IM.MBEA"] != "0" {
		t.Errorf("Me annotations %v", anns)
	}
	ab := res.find("ab")
	if ab.text("abId") != abID || ab.text("OwnerCID") != strconv.FormatInt(a.CID, 10) || ab.text("ownerEmail") != "alice@hotmail.com" ||
		ab.text("createDate") != stamp(a.Created) || parseStamp(ab.text("lastChange")).IsZero() {
		t.Errorf("ab: %s", r.body)
	}
}

func TestMeContactID(t *testing.T) {
	if got := meContactID(53022440); got != "00000000-0000-0000-0000-000003290ee8" {
		t.Fatalf("meContactID = %s", got)
	}
}

// The contact entries follow the schema's element order (soap-services.md §4.1).
func TestABFindAllContactShape(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	b := e.user("bob@hotmail.com", "Bob Smith", 1)
	e.user("carol@yahoo.com", "Carol", 32)
	g := e.ab(a, "ABGroupAdd", groupAddBody("Friends")).ok(t, "ABGroupAddResult").text("guid")
	bid := e.addContact(a, passportContact("bob@hotmail.com"), true)
	e.addContact(a, yahooContact("carol@yahoo.com"), true)
	e.ab(a, "ABGroupContactAdd", groupContactBody(g, `<Contact><contactId>`+bid+`</contactId></Contact>`)).ok(t, "ABGroupContactAddResult")

	res := e.findAll(a)
	cs := contacts(res)
	bob := cs["bob@hotmail.com"]
	want := "groupIds contactType quickName passportName IsPassportNameHidden displayName puid CID IsNotMobileVisible isMobileIMEnabled " +
		"isMessengerUser isFavorite isSmtp hasSpace spotWatchState birthdate primaryEmailType PrimaryLocation PrimaryPhone IsPrivate Gender TimeZone"
	if got := strings.Join(bob.find("contactInfo").childNames(), " "); got != want {
		t.Errorf("bob's contactInfo:\n%s\nwant\n%s", got, want)
	}
	if got := strings.Join(bob.childNames(), " "); got != "contactId contactInfo propertiesChanged fDeleted lastChange" {
		t.Errorf("Contact children %s", got)
	}
	info := bob.find("contactInfo")
	if info.text("guid") != g || info.text("isMessengerUser") != "true" || info.text("CID") != strconv.FormatInt(b.CID, 10) ||
		info.text("displayName") != "Bob Smith" || bob.text("fDeleted") != "false" {
		t.Errorf("bob: %+v", info.childNames())
	}
	carol := cs["carol@yahoo.com"].find("contactInfo")
	if carol.find("passportName") != nil || carol.text("CID") != "0" || carol.text("primaryEmailType") != "Messenger2" {
		t.Errorf("carol: %v", carol.childNames())
	}
	em := carol.find("ContactEmail")
	if got := strings.Join(em.childNames(), " "); got != "contactEmailType email isMessengerEnabled Capability MessengerEnabledExternally propertiesChanged" {
		t.Errorf("ContactEmail children %s", got)
	}
	if em.text("contactEmailType") != "Messenger2" || em.text("isMessengerEnabled") != "true" || em.text("Capability") != "32" {
		t.Errorf("carol's Messenger2 e-mail: %v", em)
	}
	grp := res.find("Group")
	if grp.text("groupId") != g || grp.text("name") != "Friends" || grp.text("groupType") != groupType || grp.text("Value") != "1" {
		t.Errorf("group: %v", grp.childNames())
	}
}

func TestABFindAllDelta(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	e.user("bob@hotmail.com", "Bob", 1)
	e.user("dave@hotmail.com", "Dave", 1)
	bid := e.addContact(a, passportContact("bob@hotmail.com"), false)
	gid := e.ab(a, "ABGroupAdd", groupAddBody("Old")).ok(t, "ABGroupAddResult").text("guid")
	last := e.findAll(a).find("ab").text("lastChange")

	// Nothing changed: only the Me contact comes back.
	delta := e.ab(a, "ABFindAll", findAllBody(true, time.Now().Add(time.Hour).Format(time.RFC3339))).ok(t, "ABFindAllResult")
	if n := len(delta.findAll("Contact")); n != 1 || len(delta.findAll("Group")) != 0 {
		t.Fatalf("empty delta has %d contacts: %v", n, delta.childNames())
	}

	e.advance(time.Second) // answers carry whole seconds
	e.addContact(a, passportContact("dave@hotmail.com"), false)
	e.ab(a, "ABContactDelete", abIDXML+`<contacts><Contact><contactId>`+bid+`</contactId></Contact></contacts>`).ok(t, "ABContactDeleteResponse")
	e.ab(a, "ABGroupDelete", abIDXML+`<groupFilter><groupIds><guid>`+gid+`</guid></groupIds></groupFilter>`).ok(t, "ABGroupDeleteResponse")

	delta = e.ab(a, "ABFindAll", findAllBody(true, last)).ok(t, "ABFindAllResult")
	got := map[string]string{}
	for _, c := range delta.findAll("Contact") {
		got[c.text("contactId")] = c.text("fDeleted")
	}
	if got[bid] != "true" || len(got) != 3 {
		t.Fatalf("delta contacts %v (bob %s)", got, bid)
	}
	if cs := contacts(delta); cs["dave@hotmail.com"] == nil || cs["dave@hotmail.com"].text("fDeleted") != "false" {
		t.Fatalf("dave not in delta: %v", got)
	}
	if gs := delta.findAll("Group"); len(gs) != 1 || gs[0].text("fDeleted") != "true" {
		t.Fatalf("deleted group not in delta")
	}
	// A full answer drops tombstones.
	full := e.findAll(a)
	if _, ok := contacts(full)["bob@hotmail.com"]; ok || len(full.findAll("Group")) != 0 {
		t.Fatalf("full answer lists deleted entries")
	}
}

func TestABFindAllOtherBook(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	r := e.ab(a, "ABFindAll", `<abId>11111111-0000-0000-0000-000000000000</abId><abView>Full</abView><deltasOnly>false</deltasOnly>`)
	r.fault(t, "BadArgument")
}

func TestParseStamp(t *testing.T) {
	for in, want := range map[string]string{
		"0001-01-01T00:00:00.0000000-08:00": nullDate,
		"0001-01-01T00:00:00":               nullDate,
		"2024-11-29T22:21:26Z":              "2024-11-29T22:21:26Z",
		"2024-11-29T14:21:26.1234567-08:00": "2024-11-29T22:21:26Z",
		"2024-11-29T22:21:26":               "2024-11-29T22:21:26Z",
		"garbage":                           nullDate,
	} {
		if got := stamp(parseStamp(in)); got != want {
			t.Errorf("parseStamp(%q) = %s, want %s", in, got, want)
		}
	}
}

package ab

import (
	"strconv"
	"testing"

	"msnserver/store"
)

func contactsBody(contacts string) string {
	return abIDXML + `<contacts>` + contacts + `</contacts>`
}

func TestContactAddPassport(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	b := e.user("bob@hotmail.com", "Bob", 1)
	id := e.addContact(a, passportContact("Bob@Hotmail.com"), true)
	if !validGUID(id) {
		t.Fatalf("guid %q", id)
	}
	// The other side's reverse list gained alice (shown with her stored
	// name, not the one the request carries); alice's allow list gained bob.
	wantEvents(t, e.rec.take(), "ReverseAdded bob@hotmail.com alice@hotmail.com 1 Alice", "PrivacyChanged alice@hotmail.com")

	c := contacts(e.findAll(a))["bob@hotmail.com"]
	if c == nil || c.text("contactId") != id || c.text("isMessengerUser") != "true" || c.text("CID") != strconv.FormatInt(b.CID, 10) {
		t.Fatalf("bob in alice's book: %v", c)
	}
	if m := members(e.findMembership(a)); len(m["Allow"]) != 1 || m["Allow"][0] != "bob@hotmail.com" {
		t.Fatalf("alice's memberships %v", m)
	}
	fm := e.findMembership(b)
	if m := members(fm); len(m["Reverse"]) != 1 || len(m["Pending"]) != 1 || m["Pending"][0] != "alice@hotmail.com" {
		t.Fatalf("bob's memberships %v", m)
	}
	for _, mem := range fm.findAll("Member") {
		if mem.text("DisplayName") != "Alice" || mem.attr("type") != "PassportMember" || mem.text("CID") != strconv.FormatInt(a.CID, 10) {
			t.Fatalf("bob's reverse/pending entry for alice: %v", mem.childNames())
		}
	}

	// Adding again: the duplicate fault names the existing entry.
	r := e.ab(a, "ABContactAdd", contactsBody(`<Contact>`+passportContact("bob@hotmail.com")+`</Contact>`))
	f := r.fault(t, "ContactAlreadyExists")
	if f.text("conflictObjectId") != id || f.text("faultcode") != "soap:Client" ||
		f.text("faultactor") != "http://www.msn.com/webservices/AddressBook/ABContactAdd" {
		t.Fatalf("fault %s", r.body)
	}
	wantEvents(t, e.rec.take())
}

func TestContactAddFaults(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	e.user("carol@yahoo.com", "Carol", 32)
	e.user("bob@hotmail.com", "Bob", 1)
	for _, tc := range []struct{ info, code string }{
		{passportContact("nobody@hotmail.com"), "InvalidPassportUser"},
		{passportContact("carol@yahoo.com"), "InvalidPassportUser"}, // a Yahoo user is no passport
		{yahooContact("bob@hotmail.com"), "InvalidPassportUser"},    // nor an MSN user a Yahoo one
		{yahooContact("nobody@yahoo.com"), "InvalidPassportUser"},
		{passportContact("alice@hotmail.com"), "InvalidPassportUser"}, // oneself
		{passportContact("bobhotmail.com"), "EmailMissingAtSign"},
		{passportContact("bob@hotmailcom"), "EmailMissingDot"},
		{`<contactInfo><passportName>bob@hotmail.com</passportName><groupIds><guid>f60efbe7-94af-4b16-b926-e4e10878d329</guid></groupIds></contactInfo>`, "GroupDoesNotExist"},
	} {
		r := e.ab(a, "ABContactAdd", contactsBody(`<Contact>`+tc.info+`</Contact>`))
		r.fault(t, tc.code)
	}
	e.ab(a, "ABContactAdd", abIDXML+`<contacts></contacts>`).fault(t, "BadArgument")
	// A failed request changed nothing.
	if len(contacts(e.findAll(a))) != 0 || len(e.rec.take()) != 0 {
		t.Fatal("faulted adds left traces")
	}
}

func TestYahooContactRoundTrip(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	y := e.user("yuki@yahoo.com", "Yuki", 32)
	id := e.addContact(a, yahooContact("yuki@yahoo.com"), false)
	wantEvents(t, e.rec.take(), "ReverseAdded yuki@yahoo.com alice@hotmail.com 1 Alice")
	e.sharing(a, "AddMember", membershipBody("Allow", memberXML("yuki@yahoo.com", 32))).ok(t, "AddMemberResponse")
	wantEvents(t, e.rec.take(), "PrivacyChanged alice@hotmail.com")

	c := contacts(e.findAll(a))["yuki@yahoo.com"]
	if c == nil || c.text("contactId") != id || c.find("passportName") != nil {
		t.Fatalf("yuki: %v", c)
	}
	if em := c.find("ContactEmail"); em.text("contactEmailType") != "Messenger2" || em.text("isMessengerEnabled") != "true" {
		t.Fatalf("yuki's e-mail: %v", em.childNames())
	}
	fm := e.findMembership(a)
	mem := fm.find("Member")
	if mem.attr("type") != "EmailMember" || mem.text("Type") != "Email" || mem.text("Email") != "yuki@yahoo.com" ||
		mem.text("Name") != "MSN.IM.BuddyType" || mem.text("Value") != "32:" || mem.find("PassportName") != nil {
		t.Fatalf("yuki's membership: %s", fm.find("Members").childNames())
	}
	// yuki sees alice as an MSN passport member on her reverse list.
	if m := members(e.findMembership(y)); len(m["Reverse"]) != 1 || m["Reverse"][0] != "alice@hotmail.com" {
		t.Fatalf("yuki's lists %v", m)
	}
	// Store: the contact is network 32 on alice's forward list.
	_, l, err := e.st.Lists("alice@hotmail.com")
	if err != nil || l.Forward["yuki@yahoo.com"] != store.NetworkYahoo || l.Allow["yuki@yahoo.com"] != store.NetworkYahoo {
		t.Fatalf("store lists %+v %v", l, err)
	}
	e.ab(a, "ABContactDelete", contactsBody(`<Contact><contactId>`+id+`</contactId></Contact>`)).ok(t, "ABContactDeleteResponse")
	wantEvents(t, e.rec.take(), "ReverseRemoved yuki@yahoo.com alice@hotmail.com 1")
	if m := members(e.findMembership(y)); len(m["Reverse"])+len(m["Pending"]) != 0 {
		t.Fatalf("yuki still has alice: %v", m)
	}
}

func TestContactDelete(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	b := e.user("bob@hotmail.com", "Bob", 1)
	id := e.addContact(a, passportContact("bob@hotmail.com"), true)
	e.rec.take()
	e.ab(a, "ABContactDelete", contactsBody(`<Contact><contactId>`+id+`</contactId></Contact>`)).ok(t, "ABContactDeleteResponse")
	wantEvents(t, e.rec.take(), "ReverseRemoved bob@hotmail.com alice@hotmail.com 1")
	if len(contacts(e.findAll(a))) != 0 {
		t.Fatal("bob still in the book")
	}
	// Memberships are separate: bob stays allowed; bob's lists lose alice.
	if m := members(e.findMembership(a)); len(m["Allow"]) != 1 {
		t.Fatalf("alice's lists %v", m)
	}
	if m := members(e.findMembership(b)); len(m["Reverse"])+len(m["Pending"]) != 0 {
		t.Fatalf("bob's lists %v", m)
	}
	for _, bad := range []string{id, "c1f9a363-4ee9-4a33-a434-b056a4c55b98", "not-a-guid", ""} {
		e.ab(a, "ABContactDelete", contactsBody(`<Contact><contactId>`+bad+`</contactId></Contact>`)).fault(t, "ContactDoesNotExist")
	}
	// Adding back after a delete gives a fresh entry.
	if id2 := e.addContact(a, passportContact("bob@hotmail.com"), false); id2 == id {
		t.Fatal("deleted id reused")
	}
}

func TestContactUpdate(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	e.user("bob@hotmail.com", "Bob", 1)
	id := e.addContact(a, passportContact("bob@hotmail.com"), false)
	e.rec.take()
	upd := func(info, props string) *result {
		return e.ab(a, "ABContactUpdate", contactsBody(`<Contact xmlns="`+NS+`"><contactId>`+id+`</contactId><contactInfo>`+info+
			`</contactInfo><propertiesChanged>`+props+`</propertiesChanged></Contact>`))
	}
	upd(`<displayName>Bobby &amp; co</displayName><comment>ignored</comment>`, "DisplayName").ok(t, "ABContactUpdateResponse")
	c := contacts(e.findAll(a))["bob@hotmail.com"].find("contactInfo")
	if c.text("displayName") != "Bobby & co" || c.find("comment") != nil {
		t.Fatalf("after DisplayName: %v", c.childNames())
	}
	// Off the forward list, the entry stays.
	upd(`<isMessengerUser>false</isMessengerUser>`, "IsMessengerUser").ok(t, "ABContactUpdateResponse")
	wantEvents(t, e.rec.take(), "ReverseRemoved bob@hotmail.com alice@hotmail.com 1")
	c = contacts(e.findAll(a))["bob@hotmail.com"].find("contactInfo")
	if c.text("isMessengerUser") != "false" || c.text("displayName") != "Bobby & co" {
		t.Fatalf("after IsMessengerUser false: %v", c)
	}
	upd(`<isMessengerUser>true</isMessengerUser>`, "IsMessengerUser").ok(t, "ABContactUpdateResponse")
	wantEvents(t, e.rec.take(), "ReverseAdded bob@hotmail.com alice@hotmail.com 1 Alice")
	upd(`<annotations><Annotation><Name>AB.NickName</Name><Value>bb</Value></Annotation></annotations><firstName>Robert</firstName>`+
		`<phones><ContactPhone><contactPhoneType>ContactPhoneMobile</contactPhoneType><number>555-1234</number></ContactPhone></phones>`,
		"Annotation ContactFirstName ContactPhone").ok(t, "ABContactUpdateResponse")
	c = contacts(e.findAll(a))["bob@hotmail.com"].find("contactInfo")
	if c.text("isMessengerUser") != "true" || c.text("Value") != "bb" || c.text("firstName") != "Robert" ||
		c.text("number") != "555-1234" || c.text("contactPhoneType") != "ContactPhoneMobile" {
		t.Fatalf("after annotations: %v", c.childNames())
	}
	upd(`<phones><ContactPhone><contactPhoneType>ContactPhoneMobile</contactPhoneType><number></number></ContactPhone></phones>`, "ContactPhone").
		ok(t, "ABContactUpdateResponse")
	if c = contacts(e.findAll(a))["bob@hotmail.com"].find("contactInfo"); c.find("phones") != nil || c.text("firstName") != "Robert" {
		t.Fatalf("phone not removed: %v", c.childNames())
	}
	e.ab(a, "ABContactUpdate", contactsBody(`<Contact><contactId>c1f9a363-4ee9-4a33-a434-b056a4c55b98</contactId><contactInfo><displayName>x</displayName></contactInfo><propertiesChanged>DisplayName</propertiesChanged></Contact>`)).
		fault(t, "ContactDoesNotExist")
}

func TestContactUpdateMe(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	me := func(info, props string) *result {
		return e.ab(a, "ABContactUpdate", contactsBody(`<Contact><contactInfo><contactType>Me</contactType>`+info+
			`</contactInfo><propertiesChanged>`+props+`</propertiesChanged></Contact>`))
	}
	me(`<annotations><Annotation><Name>MSN.IM.BLP</Name><Value>0</Value></Annotation><Annotation><Name>MSN.IM.GTC</Name><Value>0</Value></Annotation>`+
		`<Annotation><Name>MSN.IM.RoamLiveProperties</Name><Value>1</Value></Annotation></annotations>`, "Annotation").ok(t, "ABContactUpdateResponse")
	wantEvents(t, e.rec.take(), "PrivacyChanged alice@hotmail.com")
	acct, _ := e.st.AccountByEmail("alice@hotmail.com")
	if acct.BLP != "BL" || acct.GTC != "0" || acct.Annotations["MSN.IM.RoamLiveProperties"] != "1" {
		t.Fatalf("account after Me update: %+v", acct)
	}
	anns := map[string]string{}
	var meInfo *node
	for _, c := range e.findAll(a).findAll("Contact") {
		if c.find("contactInfo").text("contactType") == "Me" {
			meInfo = c.find("contactInfo")
		}
	}
	for _, an := range meInfo.findAll("Annotation") {
		anns[an.text("Name")] = an.text("Value")
	}
	if anns["MSN.IM.BLP"] != "0" || anns["MSN.IM.GTC"] != "0" || anns["MSN.IM.RoamLiveProperties"] != "1" {
		t.Fatalf("Me annotations %v", anns)
	}
	// Same value again: no privacy change. Escargot's 2 means BL too.
	me(`<annotations><Annotation><Name>MSN.IM.BLP</Name><Value>2</Value></Annotation></annotations>`, "Annotation").ok(t, "ABContactUpdateResponse")
	wantEvents(t, e.rec.take())
	// By the Me contact's id, with the name.
	e.ab(a, "ABContactUpdate", contactsBody(`<Contact><contactId>`+meContactID(a.CID)+`</contactId><contactInfo><displayName>Alice W</displayName>`+
		`<annotations><Annotation><Name>MSN.IM.BLP</Name><Value>1</Value></Annotation></annotations></contactInfo>`+
		`<propertiesChanged>DisplayName Annotation</propertiesChanged></Contact>`)).ok(t, "ABContactUpdateResponse")
	wantEvents(t, e.rec.take(), "PrivacyChanged alice@hotmail.com")
	acct, _ = e.st.AccountByEmail("alice@hotmail.com")
	if acct.Name != "Alice W" || acct.Privacy() != "AL" {
		t.Fatalf("account %+v", acct)
	}
}

// Entries with no IM address are plain address-book records.
func TestContactAddPlainEntry(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	id := e.addContact(a, `<contactInfo><emails><ContactEmail><contactEmailType>ContactEmailPersonal</contactEmailType><email>mum@example.com</email></ContactEmail></emails>`+
		`<firstName>Mum</firstName><isMessengerUser>false</isMessengerUser></contactInfo>`, true)
	wantEvents(t, e.rec.take())
	c := contacts(e.findAll(a))["mum@example.com"]
	if c == nil || c.text("contactId") != id || c.text("displayName") != "Mum" || c.text("isMessengerUser") != "false" {
		t.Fatalf("plain entry: %v", c)
	}
}

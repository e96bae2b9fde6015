package ab

import (
	"strings"
	"testing"
)

func groupAddBody(name string) string {
	return abIDXML + `<groupAddOptions><fRenameOnMsgrConflict>false</fRenameOnMsgrConflict></groupAddOptions><groupInfo><GroupInfo><name>` + name +
		`</name><groupType>C8529CE2-6EAD-434d-881F-341E17DB3FF8</groupType><fMessenger>false</fMessenger><annotations><Annotation><Name>MSN.IM.Display</Name><Value>1</Value></Annotation></annotations></GroupInfo></groupInfo>`
}

func groupContactBody(group, contacts string) string {
	return abIDXML + `<groupFilter><groupIds><guid>` + group + `</guid></groupIds></groupFilter><contacts>` + contacts + `</contacts>`
}

func groupNames(res *node) map[string]string {
	out := map[string]string{}
	for _, g := range res.findAll("Group") {
		out[g.text("name")] = g.text("groupId")
	}
	return out
}

func TestGroups(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	e.user("bob@hotmail.com", "Bob", 1)
	work := e.ab(a, "ABGroupAdd", groupAddBody("Work")).ok(t, "ABGroupAddResult").text("guid")
	if !validGUID(work) {
		t.Fatalf("group id %q", work)
	}
	// Same name in another case: the fault names the existing group.
	f := e.ab(a, "ABGroupAdd", groupAddBody("WORK")).fault(t, "GroupAlreadyExists")
	if f.text("conflictObjectId") != work {
		t.Fatalf("conflictObjectId %q, want %s", f.text("conflictObjectId"), work)
	}
	e.ab(a, "ABGroupAdd", groupAddBody(strings.Repeat("x", 62))).fault(t, "GroupNameTooLong")
	e.ab(a, "ABGroupAdd", groupAddBody(" ")).fault(t, "BadArgument")
	renamed := e.ab(a, "ABGroupAdd", strings.Replace(groupAddBody("Work"), ">false<", ">true<", 1)).ok(t, "ABGroupAddResult").text("guid")
	if got := groupNames(e.findAll(a)); got["Work"] != work || got["Work 2"] != renamed {
		t.Fatalf("groups %v", got)
	}

	upd := func(id, name string) *result {
		return e.ab(a, "ABGroupUpdate", abIDXML+`<groups><Group><groupId>`+id+`</groupId><groupInfo><name>`+name+
			`</name></groupInfo><propertiesChanged>GroupName</propertiesChanged></Group></groups>`)
	}
	upd(work, "Old Friends").ok(t, "ABGroupUpdateResponse")
	upd(renamed, "old friends").fault(t, "GroupAlreadyExists")
	upd("f60efbe7-94af-4b16-b926-e4e10878d329", "x").fault(t, "GroupDoesNotExist")
	if got := groupNames(e.findAll(a)); got["Old Friends"] != work {
		t.Fatalf("after rename %v", got)
	}

	bid := e.addContact(a, passportContact("bob@hotmail.com"), false)
	e.rec.take()
	r := e.ab(a, "ABGroupContactAdd", groupContactBody(work, `<Contact><contactId>`+bid+`</contactId></Contact>`))
	if got := r.ok(t, "ABGroupContactAddResult").text("guid"); got != bid {
		t.Fatalf("ABGroupContactAdd guid %q, want %s", got, bid)
	}
	e.ab(a, "ABGroupContactAdd", groupContactBody(renamed, `<Contact><contactId>`+bid+`</contactId></Contact>`)).ok(t, "ABGroupContactAddResult")
	ids := func() []string {
		var out []string
		for _, g := range contacts(e.findAll(a))["bob@hotmail.com"].findAll("guid") {
			out = append(out, g.Text)
		}
		return out
	}
	if got := ids(); len(got) != 2 || got[0] != work || got[1] != renamed {
		t.Fatalf("bob's groups %v", got)
	}
	e.ab(a, "ABGroupContactAdd", groupContactBody("f60efbe7-94af-4b16-b926-e4e10878d329", `<Contact><contactId>`+bid+`</contactId></Contact>`)).
		fault(t, "GroupDoesNotExist")
	e.ab(a, "ABGroupContactAdd", groupContactBody(work, `<Contact><contactId>c1f9a363-4ee9-4a33-a434-b056a4c55b98</contactId></Contact>`)).
		fault(t, "ContactDoesNotExist")

	// papyon's order: contacts before groupFilter.
	e.ab(a, "ABGroupContactDelete", abIDXML+`<contacts><Contact><contactId>`+bid+`</contactId></Contact></contacts><groupFilter><groupIds><guid>`+
		renamed+`</guid></groupIds></groupFilter>`).ok(t, "ABGroupContactDeleteResponse")
	if got := ids(); len(got) != 1 || got[0] != work {
		t.Fatalf("after ABGroupContactDelete %v", got)
	}
	e.ab(a, "ABGroupContactDelete", groupContactBody(work, `<Contact><contactId>c1f9a363-4ee9-4a33-a434-b056a4c55b98</contactId></Contact>`)).
		fault(t, "ContactDoesNotExist")

	// Deleting a group leaves its contacts on the list, ungrouped.
	e.ab(a, "ABGroupDelete", abIDXML+`<groupFilter><groupIds><guid>`+work+`</guid></groupIds></groupFilter>`).ok(t, "ABGroupDeleteResponse")
	e.ab(a, "ABGroupDelete", abIDXML+`<groupFilter><groupIds><guid>`+work+`</guid></groupIds></groupFilter>`).fault(t, "GroupDoesNotExist")
	res := e.findAll(a)
	if got := groupNames(res); len(got) != 1 || got["Work 2"] != renamed {
		t.Fatalf("groups after delete %v", got)
	}
	if c := contacts(res)["bob@hotmail.com"]; c == nil || c.find("groupIds") != nil || c.text("isMessengerUser") != "true" {
		t.Fatalf("bob after group delete: %v", c)
	}
	wantEvents(t, e.rec.take())
}

// libpurple creates a contact straight into a group.
func TestGroupContactAddCreates(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	e.user("bob@hotmail.com", "Bob", 1)
	e.user("yuki@yahoo.com", "Yuki", 32)
	g := e.ab(a, "ABGroupAdd", groupAddBody("Friends")).ok(t, "ABGroupAddResult").text("guid")
	body := groupContactBody(g, `<Contact><contactInfo><passportName>bob@hotmail.com</passportName><isSmtp>false</isSmtp><isMessengerUser>true</isMessengerUser></contactInfo></Contact>`) +
		`<groupContactAddOptions><fGenerateMissingQuickName>true</fGenerateMissingQuickName><EnableAllowListManagement>true</EnableAllowListManagement></groupContactAddOptions>`
	bid := e.ab(a, "ABGroupContactAdd", body).ok(t, "ABGroupContactAddResult").text("guid")
	wantEvents(t, e.rec.take(), "ReverseAdded bob@hotmail.com alice@hotmail.com 1 Alice", "PrivacyChanged alice@hotmail.com")
	// An existing contact is just put into the group.
	if again := e.ab(a, "ABGroupContactAdd", body).ok(t, "ABGroupContactAddResult").text("guid"); again != bid {
		t.Fatalf("second add gave %s, want %s", again, bid)
	}
	yid := e.ab(a, "ABGroupContactAdd", groupContactBody(g, `<Contact>`+yahooContact("yuki@yahoo.com")+`</Contact>`)).ok(t, "ABGroupContactAddResult").text("guid")
	cs := contacts(e.findAll(a))
	if cs["bob@hotmail.com"].text("guid") != g || cs["yuki@yahoo.com"].text("guid") != g || cs["yuki@yahoo.com"].text("contactId") != yid {
		t.Fatalf("contacts %v", cs)
	}
	if m := members(e.findMembership(a)); len(m["Allow"]) != 1 {
		t.Fatalf("allow list %v", m)
	}
	e.ab(a, "ABGroupContactAdd", groupContactBody(g, `<Contact><contactInfo><passportName>nobody@hotmail.com</passportName></contactInfo></Contact>`)).
		fault(t, "InvalidPassportUser")
}

package ab

import (
	"reflect"
	"testing"
)

// snapshot reduces both services' answers to what must survive a restart.
func (e *env) snapshot(u *user) map[string]any {
	res := e.findAll(u)
	out := map[string]any{}
	for addr, c := range contacts(res) {
		info := c.find("contactInfo")
		var groups []string
		for _, g := range info.findAll("guid") {
			groups = append(groups, g.Text)
		}
		out["contact "+addr] = []any{c.text("contactId"), info.text("displayName"), info.text("isMessengerUser"), groups, info.text("firstName")}
	}
	out["groups"] = groupNames(res)
	for _, c := range res.findAll("Contact") {
		if info := c.find("contactInfo"); info.text("contactType") == "Me" {
			var anns []string
			for _, a := range info.findAll("Annotation") {
				anns = append(anns, a.text("Name")+"="+a.text("Value"))
			}
			out["me"] = []any{c.text("contactId"), info.text("displayName"), anns}
		}
	}
	out["members"] = members(e.findMembership(u))
	return out
}

func TestPersistence(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	b := e.user("bob@hotmail.com", "Bob", 1)
	e.user("yuki@yahoo.com", "Yuki", 32)
	g := e.ab(a, "ABGroupAdd", groupAddBody("Friends")).ok(t, "ABGroupAddResult").text("guid")
	bid := e.addContact(a, `<contactInfo><passportName>bob@hotmail.com</passportName><firstName>Robert</firstName><displayName>Bobby</displayName></contactInfo>`, true)
	e.addContact(a, yahooContact("yuki@yahoo.com"), false)
	e.ab(a, "ABGroupContactAdd", groupContactBody(g, `<Contact><contactId>`+bid+`</contactId></Contact>`)).ok(t, "ABGroupContactAddResult")
	e.sharing(a, "AddMember", membershipBody("Block", memberXML("yuki@yahoo.com", 32))).ok(t, "AddMemberResponse")
	e.ab(a, "ABContactUpdate", contactsBody(`<Contact><contactInfo><contactType>Me</contactType><displayName>Alice W</displayName><annotations><Annotation><Name>MSN.IM.BLP</Name><Value>0</Value></Annotation></annotations></contactInfo><propertiesChanged>DisplayName Annotation</propertiesChanged></Contact>`)).
		ok(t, "ABContactUpdateResponse")

	before, beforeB := e.snapshot(a), e.snapshot(b)
	e.restart()
	after, afterB := e.snapshot(a), e.snapshot(b)
	if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(beforeB, afterB) {
		t.Fatalf("before restart:\n%v\n%v\nafter:\n%v\n%v", before, beforeB, after, afterB)
	}
	if len(before) != 5 { // two contacts, groups, me, members
		t.Fatalf("snapshot too small: %v", before)
	}
}

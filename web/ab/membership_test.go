package ab

import (
	"testing"
	"time"
)

func TestFindMembershipNewAccount(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	res := e.findMembership(a)
	m := members(res)
	for _, role := range []string{"Allow", "Block", "Reverse", "Pending"} {
		if got, ok := m[role]; !ok || len(got) != 0 {
			t.Fatalf("role %s: %v (present %v)", role, got, ok)
		}
	}
	svc := res.find("Service")
	if svc.find("Handle").text("Id") != "1" || svc.find("Handle").text("Type") != "Messenger" || svc.text("AuthorizationCriteria") != "Everyone" {
		t.Fatalf("service info %v", svc.childNames())
	}
	if res.find("OwnerNamespace").text("CreatorPassportName") != "alice@hotmail.com" {
		t.Fatal("OwnerNamespace")
	}
}

func TestAddDeleteMember(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	e.user("bob@hotmail.com", "Bob", 1)
	e.user("yuki@yahoo.com", "Yuki", 32)
	add := func(role, member string) *result { return e.sharing(a, "AddMember", membershipBody(role, member)) }
	del := func(role, member string) *result { return e.sharing(a, "DeleteMember", membershipBody(role, member)) }

	add("Allow", memberXML("bob@hotmail.com", 1)).ok(t, "AddMemberResponse")
	wantEvents(t, e.rec.take(), "PrivacyChanged alice@hotmail.com")
	// Adding a present member succeeds and changes nothing.
	add("Allow", memberXML("bob@hotmail.com", 1)).ok(t, "AddMemberResponse")
	wantEvents(t, e.rec.take())
	// Block excludes Allow (and back).
	add("Block", memberXML("bob@hotmail.com", 1)).ok(t, "AddMemberResponse")
	wantEvents(t, e.rec.take(), "PrivacyChanged alice@hotmail.com")
	if m := members(e.findMembership(a)); len(m["Allow"]) != 0 || len(m["Block"]) != 1 {
		t.Fatalf("after block %v", m)
	}
	_, l, _ := e.st.Lists("alice@hotmail.com")
	if !l.Blocks("bob@hotmail.com") {
		t.Fatal("store does not block bob")
	}
	// The client's own DeleteMember Allow after that is not an error.
	del("Allow", memberXML("bob@hotmail.com", 1)).ok(t, "DeleteMemberResponse")
	del("Block", memberXML("bob@hotmail.com", 1)).ok(t, "DeleteMemberResponse")
	wantEvents(t, e.rec.take(), "PrivacyChanged alice@hotmail.com")
	if m := members(e.findMembership(a)); len(m["Allow"])+len(m["Block"]) != 0 {
		t.Fatalf("after unblock %v", m)
	}

	add("Allow", memberXML("nobody@hotmail.com", 1)).fault(t, "InvalidPassportUser")
	add("Allow", memberXML("yuki@yahoo.com", 1)).fault(t, "InvalidPassportUser") // digsby retries as Email
	add("Allow", memberXML("yuki@yahoo.com", 32)).ok(t, "AddMemberResponse")
	add("Friends", memberXML("bob@hotmail.com", 1)).fault(t, "BadArgument")
	del("Allow", memberXML("dave@hotmail.com", 1)).fault(t, "MemberDoesNotExist")
	del("Pending", memberXML("bob@hotmail.com", 1)).fault(t, "MemberDoesNotExist")
	del("Allow", `<Member xsi:type="PassportMember" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Type>Passport</Type><MembershipId>12</MembershipId></Member>`).
		fault(t, "MemberDoesNotExist")

	// By MembershipId alone, as later clients send it.
	var id string
	for _, mem := range e.findMembership(a).findAll("Member") {
		if mem.text("Email") == "yuki@yahoo.com" {
			id = mem.text("MembershipId")
		}
	}
	del("Allow", `<Member xsi:type="EmailMember" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Type>Email</Type><MembershipId>`+id+`</MembershipId></Member>`).
		ok(t, "DeleteMemberResponse")
	if m := members(e.findMembership(a)); len(m["Allow"]) != 0 {
		t.Fatalf("yuki still allowed: %v", m)
	}
	// Other services are accepted and ignored.
	e.sharing(a, "AddMember", `<serviceHandle><Id>0</Id><Type>Profile</Type></serviceHandle>`).ok(t, "AddMemberResponse")
}

// Accepting someone who added you: AddMember Allow, then DeleteMember Pending.
func TestAcceptPending(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	d := e.user("dave@hotmail.com", "Dave", 1)
	e.addContact(a, passportContact("dave@hotmail.com"), true)
	if m := members(e.findMembership(d)); len(m["Pending"]) != 1 || len(m["Reverse"]) != 1 {
		t.Fatalf("dave's lists %v", m)
	}
	e.rec.take()
	e.sharing(d, "AddMember", membershipBody("Allow", memberXML("alice@hotmail.com", 1))).ok(t, "AddMemberResponse")
	e.sharing(d, "DeleteMember", membershipBody("Pending", memberXML("alice@hotmail.com", 1))).ok(t, "DeleteMemberResponse")
	wantEvents(t, e.rec.take(), "PrivacyChanged dave@hotmail.com")
	m := members(e.findMembership(d))
	if len(m["Pending"]) != 0 || len(m["Allow"]) != 1 || len(m["Reverse"]) != 1 {
		t.Fatalf("dave's lists after accepting %v", m)
	}
}

func TestFindMembershipDelta(t *testing.T) {
	e := newEnv(t)
	a := e.user("alice@hotmail.com", "Alice", 1)
	e.user("bob@hotmail.com", "Bob", 1)
	e.user("carol@hotmail.com", "Carol", 1)
	e.sharing(a, "AddMember", membershipBody("Allow", memberXML("bob@hotmail.com", 1))).ok(t, "AddMemberResponse")
	last := e.findMembership(a).find("OwnerNamespace").text("LastChange")
	e.advance(time.Second) // answers carry whole seconds
	e.sharing(a, "AddMember", membershipBody("Block", memberXML("bob@hotmail.com", 1))).ok(t, "AddMemberResponse")
	e.sharing(a, "AddMember", membershipBody("Allow", memberXML("carol@hotmail.com", 1))).ok(t, "AddMemberResponse")

	res := e.sharing(a, "FindMembership", findMembershipBody(true, last)).ok(t, "FindMembershipResult")
	got := map[string]string{}
	for _, ms := range res.findAll("Membership") {
		for _, mem := range ms.findAll("Member") {
			got[ms.text("MemberRole")+" "+mem.text("PassportName")] = mem.text("Deleted")
		}
	}
	want := map[string]string{"Allow bob@hotmail.com": "true", "Block bob@hotmail.com": "false", "Allow carol@hotmail.com": "false"}
	if len(got) != len(want) {
		t.Fatalf("delta %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("delta %v, want %v", got, want)
		}
	}
	// The full answer has no tombstones.
	if m := members(e.findMembership(a)); len(m["Allow"]) != 1 || m["Allow"][0] != "carol@hotmail.com" {
		t.Fatalf("full %v", m)
	}
}

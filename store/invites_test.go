package store

import (
	"errors"
	"testing"
)

func TestInvites(t *testing.T) {
	s, _ := openTest(t)
	a, err := s.CreateInvite("for Dana")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.CreateInvite("")
	if len(a.Code) != 14 || a.Code[4] != '-' || a.Code == b.Code {
		t.Fatalf("codes %q %q", a.Code, b.Code)
	}
	list, err := s.Invites()
	if err != nil || len(list) != 2 || list[0].Code != a.Code || list[0].Note != "for Dana" {
		t.Fatalf("list %+v %v", list, err)
	}

	// Unknown code: no account.
	if _, err := s.CreateAccountWithInvite(NewAccount{Email: "dana@example.com", Password: "pw"}, "AAAA-BBBB-CCCC"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := s.AccountByEmail("dana@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatal("an account was made with an unknown code")
	}
	// A refused account keeps the code.
	s.CreateAccount(NewAccount{Email: "taken@example.com", Password: "pw"})
	if _, err := s.CreateAccountWithInvite(NewAccount{Email: "taken@example.com", Password: "pw"}, a.Code); !errors.Is(err, ErrExists) {
		t.Fatalf("taken e-mail: %v", err)
	}
	// Typed in lower case without dashes, the code works once.
	typed := " " + NormalizeInvite(a.Code)[:6] + " " + NormalizeInvite(a.Code)[6:] + " "
	if _, err := s.CreateAccountWithInvite(NewAccount{Email: "dana@example.com", Password: "pw"}, typed); err != nil {
		t.Fatalf("with the code: %v", err)
	}
	if _, err := s.CreateAccountWithInvite(NewAccount{Email: "erin@example.com", Password: "pw"}, a.Code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a used code: %v", err)
	}
	if err := s.DeleteInvite(b.Code); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteInvite(b.Code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if list, _ := s.Invites(); len(list) != 0 {
		t.Fatalf("left %+v", list)
	}
	// The policy setting sits in the same bucket and is no invite.
	s.SetSetting(SettingPolicy, "<Policies/>")
	s.SetSetting(SettingSignup, "1")
	if list, _ := s.Invites(); len(list) != 0 {
		t.Fatalf("settings listed as invites: %+v", list)
	}
}

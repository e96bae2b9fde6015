package ticket

import (
	"errors"
	"testing"
	"time"
)

func TestCookiesSingleUseAndExpiry(t *testing.T) {
	j := NewCookies()
	c := j.Issue("Alice@hotmail.com", "7")
	if _, ok := j.Redeem(c, "bob@hotmail.com"); ok {
		t.Fatal("cookie accepted for another user")
	}
	c = j.Issue("alice@hotmail.com", "7")
	if ck, ok := j.Redeem(c, "ALICE@hotmail.com"); !ok || ck.SessionID != "7" {
		t.Fatal("cookie refused")
	}
	if _, ok := j.Redeem(c, "alice@hotmail.com"); ok {
		t.Fatal("cookie used twice")
	}
	c = j.Issue("alice@hotmail.com", "")
	j.mu.Lock()
	j.m[c].Expires = time.Now().Add(-time.Second)
	j.mu.Unlock()
	if _, ok := j.Redeem(c, "alice@hotmail.com"); ok {
		t.Fatal("expired cookie accepted")
	}
}

func TestInvitationsCapped(t *testing.T) {
	j := NewCookies()
	var first string
	for i := range MaxInvitations {
		v, err := j.Invite("alice@hotmail.com", "")
		if err != nil {
			t.Fatalf("invitation %d: %v", i, err)
		}
		if i == 0 {
			first = v
		}
	}
	if _, err := j.Invite("Alice@hotmail.com", ""); !errors.Is(err, ErrTooManyInvitations) {
		t.Fatalf("past the cap: %v", err)
	}
	// Redeeming one makes room for one.
	if _, ok := j.Redeem(first, "alice@hotmail.com"); !ok {
		t.Fatal("redeem")
	}
	if _, err := j.Invite("alice@hotmail.com", ""); err != nil {
		t.Fatalf("after a redeem: %v", err)
	}
	if _, err := j.Invite("bob@hotmail.com", ""); err != nil {
		t.Fatalf("another user: %v", err)
	}
}

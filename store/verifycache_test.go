package store

import (
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// countBcrypt counts bcrypt runs for the rest of the test.
func countBcrypt(t *testing.T) *atomic.Int32 {
	var n atomic.Int32
	orig := bcryptCompare
	bcryptCompare = func(hash, pw []byte) error { n.Add(1); return orig(hash, pw) }
	t.Cleanup(func() { bcryptCompare = orig })
	return &n
}

func TestVerifiedPasswordSkipsBcrypt(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.CreateAccount(NewAccount{Email: "alice@hotmail.com", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	runs := countBcrypt(t)
	check := func(pw string) bool {
		a, err := s.AccountByEmail("alice@hotmail.com")
		if err != nil {
			t.Fatal(err)
		}
		return CheckPassword(a, pw)
	}
	if !check("pw") || runs.Load() != 1 {
		t.Fatalf("first sign-in: bcrypt runs %d, want 1", runs.Load())
	}
	if !check("pw") || !check("pw") || runs.Load() != 1 {
		t.Fatalf("returning sign-ins ran bcrypt again: %d runs", runs.Load())
	}
	// A wrong password is never answered from memory.
	if check("PW") || check("pw ") || runs.Load() != 3 {
		t.Fatalf("wrong passwords: accepted, or %d bcrypt runs (want 3)", runs.Load())
	}

	// A password change drops what was remembered: the old one fails (after
	// a bcrypt), the new one is checked for real once.
	if err := s.SetPassword("alice@hotmail.com", "new"); err != nil {
		t.Fatal(err)
	}
	if check("pw") || !check("new") || runs.Load() != 5 {
		t.Fatalf("after a password change: %d bcrypt runs (want 5)", runs.Load())
	}
	// A disable drops it too, and the entry from before cannot come back
	// after an enable (the ticket generation moved on).
	if _, err := s.SetDisabled("alice@hotmail.com", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetDisabled("alice@hotmail.com", false); err != nil {
		t.Fatal(err)
	}
	if !check("new") || runs.Load() != 6 {
		t.Fatalf("after disable and enable: %d bcrypt runs (want 6)", runs.Load())
	}
}

func TestVerifyCacheExpiresAndStaysBounded(t *testing.T) {
	c := newVerifyCache(3, time.Minute)
	now := time.Unix(1_000_000, 0)
	c.now = func() time.Time { return now }
	a := &Account{ID: 1, Hash: []byte("h1")}
	c.remember(a, "pw")
	if !c.hit(a, "pw") || c.hit(a, "other") {
		t.Fatal("fresh entry")
	}
	// The same password for another stored hash (or generation) misses.
	if c.hit(&Account{ID: 1, Hash: []byte("h2")}, "pw") || c.hit(&Account{ID: 1, Hash: []byte("h1"), TicketGen: 1}, "pw") {
		t.Fatal("entry matched another hash or generation")
	}
	now = now.Add(time.Minute)
	if c.hit(a, "pw") {
		t.Fatal("expired entry still hit")
	}
	for id := uint64(10); id < 20; id++ {
		c.remember(&Account{ID: id, Hash: []byte("h")}, "pw")
	}
	if n := len(c.entries); n > 3 {
		t.Fatalf("%d entries, max 3", n)
	}
}

// BenchmarkCheckPassword: a returning user's password check from memory
// against a bcrypt run at the default cost.
func BenchmarkCheckPassword(b *testing.B) {
	hash, err := HashPassword("correct horse", bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bcrypt", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			a := &Account{ID: uint64(i + 1), Hash: hash} // a new id: never cached
			if !CheckPassword(a, "correct horse") {
				b.Fatal("refused")
			}
			verified.forget(a.ID)
		}
	})
	b.Run("returning", func(b *testing.B) {
		a := &Account{ID: 1, Hash: hash}
		CheckPassword(a, "correct horse")
		for b.Loop() {
			if !CheckPassword(a, "correct horse") {
				b.Fatal("refused")
			}
		}
	})
}

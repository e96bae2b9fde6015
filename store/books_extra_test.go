package store

import (
	"bytes"
	"errors"
	"testing"
)

func TestContactDetails(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAccount(NewAccount{Email: "alice@hotmail.com", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	// Reading before anything was written: no book, no bucket, no error.
	err = s.ViewBooks(func(b *Books) error {
		d, err := b.ContactDetails(a, "C1")
		if d != nil || err != nil {
			t.Fatalf("empty store: %q %v", d, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateBooks(func(b *Books) error {
		if err := b.PutContactDetails(a, "C1", []byte(`{"first":"Bob"}`)); err != nil {
			return err
		}
		if err := b.PutContactDetails(a, "c2", []byte("x")); err != nil {
			return err
		}
		return b.PutContactDetails(a, "c2", nil) // removes
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateBooks(func(b *Books) error {
		return b.PutContactDetails(a, "c3", bytes.Repeat([]byte("x"), MaxContactDetails+1))
	})
	if !errors.Is(err, ErrLimitReached) {
		t.Fatalf("oversized details: %v", err)
	}
	s.Close()
	if s, err = Open(dir, Options{PasswordCost: 4}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.ViewBooks(func(b *Books) error {
		if d, _ := b.ContactDetails(a, "c1"); string(d) != `{"first":"Bob"}` {
			t.Fatalf("c1 = %q", d)
		}
		if d, _ := b.ContactDetails(a, "c2"); d != nil {
			t.Fatalf("c2 not removed: %q", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

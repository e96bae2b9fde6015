package store

import (
	"errors"
	"fmt"
	"maps"
	"testing"
)

// TestSeedBooksMatchesListOperations seeds a ring of mutual contacts twice,
// once through AddForward and SetMembership from both sides and once through
// SeedBooks, and expects the same lists and contacts.
func TestSeedBooksMatchesListOperations(t *testing.T) {
	const n = 6
	email := func(i int) string { return fmt.Sprintf("u%d@example.com", (i+n)%n) }
	open := func() *Store {
		st, err := Open(t.TempDir(), Options{PasswordCost: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		var list []NewAccount
		for i := range n {
			list = append(list, NewAccount{Email: email(i), Password: "pw"})
		}
		if _, err := st.CreateAccounts(list); err != nil {
			t.Fatal(err)
		}
		return st
	}
	mutual := func(i int) []string { return []string{email(i + 1), email(i - 1), email(i + 2), email(i - 2)} }

	slow := open()
	err := slow.UpdateBooks(func(b *Books) error {
		for i := range n {
			owner, err := b.Account(email(i))
			if err != nil {
				return err
			}
			for _, c := range mutual(i) {
				if _, _, err := b.AddForward(owner, c, NetworkMSN, ""); err != nil {
					return err
				}
				if _, err := b.SetMembership(owner, c, NetworkMSN, ListAllow, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fast := open()
	var books []SeedBook
	for i := range n {
		books = append(books, SeedBook{Owner: email(i), Contacts: mutual(i)})
	}
	if err := fast.SeedBooks(books); err != nil {
		t.Fatal(err)
	}

	for i := range n {
		_, want, err := slow.Lists(email(i))
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := fast.Lists(email(i))
		if err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2]map[string]int{
			"forward": {want.Forward, got.Forward}, "allow": {want.Allow, got.Allow},
			"block": {want.Block, got.Block}, "reverse": {want.Reverse, got.Reverse}, "pending": {want.Pending, got.Pending},
		} {
			if !maps.Equal(pair[0], pair[1]) {
				t.Errorf("%s %s list: seeded %v, list operations %v", email(i), name, pair[1], pair[0])
			}
		}
		if len(got.Forward) != 4 {
			t.Errorf("%s: %d contacts", email(i), len(got.Forward))
		}
		err = fast.ViewBooks(func(b *Books) error {
			owner, err := b.Account(email(i))
			if err != nil {
				return err
			}
			c, err := b.ContactByEmail(owner, email(i+1))
			if err != nil {
				return err
			}
			if !c.IsMessengerUser || c.Network != NetworkMSN || c.ID == "" {
				t.Errorf("contact %+v", c)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// A second seed of the same book, an unknown contact and an oversized
	// list are refused.
	if err := fast.SeedBooks(books[:1]); !errors.Is(err, ErrExists) {
		t.Errorf("seeding a book twice: %v", err)
	}
	st := open()
	if err := st.SeedBooks([]SeedBook{{Owner: email(0), Contacts: []string{"ghost@example.com"}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown contact: %v", err)
	}
	big := make([]string, MaxContacts+1)
	if err := st.SeedBooks([]SeedBook{{Owner: email(0), Contacts: big}}); !errors.Is(err, ErrLimitReached) {
		t.Errorf("oversized list: %v", err)
	}
}

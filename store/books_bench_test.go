package store

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAddContact adds one contact to a book of 10 and of 1,000
// contacts, inside a write transaction that is rolled back, so every
// iteration sees a book of the same size and no fsync is timed. The two
// figures should match: a contact add reads and writes a fixed number of
// records (the owner's count is kept, not counted). The store around it is
// the same in both cases: 20 other books of 1,000 contacts.
func BenchmarkAddContact(b *testing.B) {
	for _, size := range []int{10, 1000} {
		b.Run(fmt.Sprintf("contacts=%d", size), func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{PasswordCost: 4, NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			defer func(n int) { MaxContacts = n }(MaxContacts)
			MaxContacts = 1001
			// The owner's book sits among 20 books of 1,000 contacts, the
			// same for both sizes, so only the owner's own size differs.
			var owner *Account
			for i := range 21 {
				a, err := s.CreateAccount(NewAccount{Email: fmt.Sprintf("o%d@hotmail.com", i), Password: "pw"})
				if err != nil {
					b.Fatal(err)
				}
				if i == 10 {
					owner = a
				}
				n := 1000
				if i == 10 {
					n = size
				}
				err = s.UpdateBooks(func(bk *Books) error {
					for j := range n {
						if err := bk.PutContact(a, &Contact{Email: fmt.Sprintf("c%d@hotmail.com", j), IsMessengerUser: true}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tx, err := s.db.Begin(true)
				if err != nil {
					b.Fatal(err)
				}
				bk := &Books{tx: tx, now: time.Now().UTC()}
				if err := bk.PutContact(owner, &Contact{Email: "new@hotmail.com", IsMessengerUser: true}); err != nil {
					b.Fatal(err)
				}
				tx.Rollback()
			}
		})
	}
}

// BenchmarkFillBook fills one book with 1,000 contacts in one transaction
// (rolled back): with a per-contact cost that does not grow with the book,
// this is 1,000 times BenchmarkAddContact, not quadratic.
func BenchmarkFillBook(b *testing.B) {
	s, err := Open(b.TempDir(), Options{PasswordCost: 4, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	owner, err := s.CreateAccount(NewAccount{Email: "o@hotmail.com", Password: "pw"})
	if err != nil {
		b.Fatal(err)
	}
	emails := make([]string, 1000)
	for i := range emails {
		emails[i] = fmt.Sprintf("c%d@hotmail.com", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx, err := s.db.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		bk := &Books{tx: tx, now: time.Now().UTC()}
		for _, e := range emails {
			if err := bk.PutContact(owner, &Contact{Email: e, IsMessengerUser: true}); err != nil {
				b.Fatal(err)
			}
		}
		tx.Rollback()
	}
}

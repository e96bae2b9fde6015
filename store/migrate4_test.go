package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestWriteSchema3Fixture regenerated testdata/schema3.db (MSN_WRITE_FIXTURE=3)
// with the nested book layout of schema 3 (commit before "store: flat
// address books"), through the Books API as it was then. DO NOT EDIT the
// fixture: it is what real stores of schema 3 look like.
func TestWriteSchema3Fixture(t *testing.T) {
	if os.Getenv("MSN_WRITE_FIXTURE") != "3" {
		t.Skip("set MSN_WRITE_FIXTURE=3 to regenerate the frozen fixture")
	}
	saved := migrations
	migrations = migrations[:3]
	SchemaVersion = 3
	defer func() { migrations = saved; SchemaVersion = len(saved) }()
	clock := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	dir := t.TempDir()
	s, err := Open(dir, Options{PasswordCost: 4, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	var old, bob, carol *Account
	s.write(func(tx *bolt.Tx) error {
		for i, e := range []string{"old@hotmail.com", "bob@hotmail.com", "carol@hotmail.com", "lonely@hotmail.com"} {
			a := &Account{Email: e, Name: e, Network: 1, Hash: []byte("x"), PUID: uint64(i+1)<<32 | 2, CID: int64(i + 3), Created: clock}
			if err := insertAccount(tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	old, _ = s.AccountByEmail("old@hotmail.com")
	bob, _ = s.AccountByEmail("bob@hotmail.com")
	carol, _ = s.AccountByEmail("carol@hotmail.com")
	step := func(fn func(b *Books) error) {
		t.Helper()
		clock = clock.Add(1500 * time.Millisecond)
		if err := s.UpdateBooks(fn); err != nil {
			t.Fatal(err)
		}
	}
	var friends, gone Group
	var cBob, cCarol, cPlain, cYahoo Contact
	step(func(b *Books) error {
		friends = Group{Name: "Friends", Favorite: true}
		if err := b.PutGroup(old, &friends); err != nil {
			return err
		}
		gone = Group{Name: "Work"}
		return b.PutGroup(old, &gone)
	})
	step(func(b *Books) error {
		cBob = Contact{Email: "Bob@Hotmail.com", Network: NetworkMSN, Nickname: "Bobby", IsMessengerUser: true, Groups: []string{friends.ID}, Annotations: map[string]string{"AB.NickName": "bobby", "MSN.IM.BLP": "1"}}
		if err := b.PutContact(old, &cBob); err != nil {
			return err
		}
		cCarol = Contact{Email: "carol@hotmail.com", Network: NetworkMSN, IsMessengerUser: true, Groups: []string{gone.ID}}
		if err := b.PutContact(old, &cCarol); err != nil {
			return err
		}
		cPlain = Contact{Nickname: "Aunt Mary"}
		if err := b.PutContact(old, &cPlain); err != nil {
			return err
		}
		cYahoo = Contact{Email: "pal@yahoo.com", Network: NetworkYahoo, IsMessengerUser: true}
		if err := b.PutContact(old, &cYahoo); err != nil {
			return err
		}
		for _, r := range []struct {
			email string
			role  int
		}{{"bob@hotmail.com", ListAllow}, {"bob@hotmail.com", ListReverse}, {"carol@hotmail.com", ListAllow}, {"pal@yahoo.com", ListAllow}, {"spam@hotmail.com", ListBlock}, {"new@hotmail.com", ListPending}} {
			if _, err := b.SetRole(old, r.email, 0, r.role, true); err != nil {
				return err
			}
		}
		if _, err := b.SetRole(bob, "old@hotmail.com", 0, ListReverse, true); err != nil {
			return err
		}
		if _, err := b.SetRole(carol, "old@hotmail.com", 0, ListReverse, true); err != nil {
			return err
		}
		return b.PutContactDetails(old, cPlain.ID, []byte(`{"first":"Mary"}`))
	})
	// Tombstones: carol removed (contact and allow), the Work group deleted,
	// the block lifted; then carol added back as a new contact.
	step(func(b *Books) error {
		cCarol.Deleted = true
		if err := b.PutContact(old, &cCarol); err != nil {
			return err
		}
		if _, err := b.SetRole(old, "carol@hotmail.com", 0, ListAllow, false); err != nil {
			return err
		}
		if _, err := b.SetRole(old, "spam@hotmail.com", 0, ListBlock, false); err != nil {
			return err
		}
		gone.Deleted = true
		return b.PutGroup(old, &gone)
	})
	step(func(b *Books) error {
		again := Contact{Email: "carol@hotmail.com", Network: NetworkMSN, IsMessengerUser: false}
		if err := b.PutContact(old, &again); err != nil {
			return err
		}
		return b.Touch(bob)
	})
	s.Close()
	data, _ := os.ReadFile(filepath.Join(dir, FileName))
	os.WriteFile("testdata/schema3.db", data, 0o644)
}

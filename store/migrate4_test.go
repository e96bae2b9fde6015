package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestWriteSchema3Fixture wrote testdata/schema3.db (MSN_WRITE_FIXTURE=3)
// through the Books API of schema 3, which kept nested books/<owner>
// buckets. Since schema 4 that API writes the flat layout, so the fixture
// can only be regenerated at the commit that added it ("store: a frozen
// schema-3 fixture"), where this test ran as it reads. DO NOT EDIT the
// fixture: it is what real stores of schema 3 look like.
func TestWriteSchema3Fixture(t *testing.T) {
	if os.Getenv("MSN_WRITE_FIXTURE") != "3" {
		t.Skip("set MSN_WRITE_FIXTURE=3 to regenerate the frozen fixture")
	}
	if SchemaVersion > 3 {
		t.Fatal("the Books API writes schema 4 now: check out the commit that added testdata/schema3.db to regenerate it")
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

// oldBook is a book as schema 3 held it, read straight from the nested
// buckets without the store's code.
type oldBook struct {
	contacts   []*Contact
	index      map[string]string
	groups     []*Group
	members    []*Member
	details    map[string]string
	lastChange time.Time
}

func readOldBooks(t *testing.T, path string) map[uint64]*oldBook {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[uint64]*oldBook{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("books")).ForEach(func(k, _ []byte) error {
			bk := tx.Bucket([]byte("books")).Bucket(k)
			ob := &oldBook{index: map[string]string{}, details: map[string]string{}}
			out[binary.BigEndian.Uint64(k)] = ob
			bk.Bucket([]byte("contacts")).ForEach(func(_, v []byte) error {
				var c Contact
				if err := json.Unmarshal(v, &c); err != nil {
					t.Fatal(err)
				}
				ob.contacts = append(ob.contacts, &c)
				return nil
			})
			bk.Bucket([]byte("contacts.email")).ForEach(func(k, v []byte) error { ob.index[string(k)] = string(v); return nil })
			bk.Bucket([]byte("groups")).ForEach(func(_, v []byte) error {
				var g Group
				if err := json.Unmarshal(v, &g); err != nil {
					t.Fatal(err)
				}
				ob.groups = append(ob.groups, &g)
				return nil
			})
			bk.Bucket([]byte("members")).ForEach(func(_, v []byte) error {
				var m Member
				if err := json.Unmarshal(v, &m); err != nil {
					t.Fatal(err)
				}
				ob.members = append(ob.members, &m)
				return nil
			})
			if d := bk.Bucket([]byte("contacts.details")); d != nil {
				d.ForEach(func(k, v []byte) error { ob.details[string(k)] = string(v); return nil })
			}
			ob.lastChange, _ = time.Parse(time.RFC3339Nano, string(bk.Bucket([]byte("meta")).Get([]byte("lastchange"))))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateFromSchema3 opens the frozen nested-book store (DO NOT EDIT
// testdata/schema3.db) and checks that schema 4's flat books hold every
// record the old ones did, field for field, with the same change stamps,
// and that they keep working (limits, lookups, deletion).
func TestMigrateFromSchema3(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/schema3.db")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, FileName), data, 0o600)
	want := readOldBooks(t, filepath.Join(dir, FileName))
	if len(want) != 3 || len(want[1].contacts) != 5 || len(want[1].members) != 6 || len(want[1].groups) != 2 || len(want[1].details) != 1 {
		t.Fatalf("fixture is not what the generator wrote: %d books", len(want))
	}

	clock := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(dir, Options{PasswordCost: 4, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v uint32
	s.read(func(tx *bolt.Tx) error {
		v = binary.BigEndian.Uint32(tx.Bucket(bucketMeta).Get(keySchema))
		if tx.Bucket(bucketBooks) != nil {
			t.Error("the nested books bucket is still there")
		}
		return nil
	})
	if int(v) != SchemaVersion {
		t.Fatalf("schema after migration: %d", v)
	}
	if schema, err := CheckBackup(filepath.Join(dir, FileName+".schema3.bak")); err != nil || schema != 3 {
		t.Fatalf("backup before the upgrade: schema %d, %v", schema, err)
	}

	byCreated := func(cs []*Contact) []*Contact {
		slices.SortStableFunc(cs, func(x, y *Contact) int {
			if c := x.Created.Compare(y.Created); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		return cs
	}
	memberOrder := func(ms []*Member) []*Member {
		slices.SortFunc(ms, func(x, y *Member) int {
			if x.Role != y.Role {
				return x.Role - y.Role
			}
			return strings.Compare(x.Email, y.Email)
		})
		return ms
	}
	err = s.ViewBooks(func(b *Books) error {
		for id, ob := range want {
			var owner Account
			if err := getJSON(b.tx.Bucket(bucketAccounts), u64key(id), &owner); err != nil {
				t.Fatalf("owner %d: %v", id, err)
			}
			got, err := b.Contacts(&owner)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(byCreated(got), byCreated(ob.contacts)) {
				t.Errorf("%s contacts:\n got %s\nwant %s", owner.Email, dump(got), dump(ob.contacts))
			}
			for email, cid := range ob.index {
				c, err := b.ContactByEmail(&owner, email)
				if err != nil || c.ID != cid {
					t.Errorf("%s: contact by %s: %+v %v, want %s", owner.Email, email, c, err, cid)
				}
			}
			groups, err := b.Groups(&owner)
			if err != nil || !reflect.DeepEqual(groups, ob.groups) && len(ob.groups) > 0 {
				t.Errorf("%s groups:\n got %s\nwant %s", owner.Email, dump(groups), dump(ob.groups))
			}
			members, err := b.Members(&owner)
			if err != nil || !reflect.DeepEqual(memberOrder(members), memberOrder(ob.members)) {
				t.Errorf("%s members:\n got %s\nwant %s", owner.Email, dump(members), dump(ob.members))
			}
			for cid, d := range ob.details {
				if got, err := b.ContactDetails(&owner, cid); err != nil || string(got) != d {
					t.Errorf("%s details of %s: %q %v", owner.Email, cid, got, err)
				}
			}
			if lc := b.LastChange(&owner); !lc.Equal(ob.lastChange) || ob.lastChange.IsZero() {
				t.Errorf("%s last change %v, want %v", owner.Email, lc, ob.lastChange)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Spot checks of what the fixture holds, so a fixture that lost records
	// cannot pass the comparison above by losing them on both sides.
	err = s.ViewBooks(func(b *Books) error {
		old, err := b.Account("old@hotmail.com")
		if err != nil {
			return err
		}
		bob, err := b.ContactByEmail(old, "bob@hotmail.com")
		if err != nil || bob.Nickname != "Bobby" || bob.Annotations["MSN.IM.BLP"] != "1" || len(bob.Groups) != 1 {
			t.Errorf("bob: %+v %v", bob, err)
		} else if g, err := b.Group(old, bob.Groups[0]); err != nil || g.Name != "Friends" || !g.Favorite {
			t.Errorf("bob's group: %+v %v", g, err)
		}
		carol, err := b.ContactByEmail(old, "carol@hotmail.com")
		if err != nil || carol.IsMessengerUser {
			t.Errorf("carol added back: %+v %v", carol, err)
		}
		cs, _ := b.Contacts(old)
		tombs := 0
		for _, c := range cs {
			if c.Deleted {
				tombs++
				if c.Email != "carol@hotmail.com" || c.Changed.Equal(c.Created) {
					t.Errorf("tombstone: %+v", c)
				}
			}
		}
		if tombs != 1 {
			t.Errorf("%d contact tombstones, want 1", tombs)
		}
		if r, _ := b.Roles(old, "bob@hotmail.com"); r != ListAllow|ListReverse {
			t.Errorf("bob's roles %d", r)
		}
		if r, _ := b.Roles(old, "carol@hotmail.com"); r != 0 {
			t.Errorf("carol's roles %d", r)
		}
		if r, _ := b.Roles(old, "new@hotmail.com"); r != ListPending {
			t.Errorf("pending roles %d", r)
		}
		l, err := b.Lists(old)
		if err != nil || len(l.Forward) != 2 || l.Forward["pal@yahoo.com"] != NetworkYahoo || len(l.Block) != 0 {
			t.Errorf("lists: %+v %v", l, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The migrated count limits new contacts: 3 live contacts with an e-mail.
	defer func(n int) { MaxContacts = n }(MaxContacts)
	MaxContacts = 4
	err = s.UpdateBooks(func(b *Books) error {
		old, _ := b.Account("old@hotmail.com")
		if err := b.PutContact(old, &Contact{Email: "five@hotmail.com"}); err != nil {
			return err
		}
		if err := b.PutContact(old, &Contact{Email: "six@hotmail.com"}); !errors.Is(err, ErrLimitReached) {
			t.Errorf("sixth contact: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Deleting a migrated account takes it off the other books and leaves
	// nothing of its own.
	if err := s.DeleteAccount("old@hotmail.com"); err != nil {
		t.Fatal(err)
	}
	s.ViewBooks(func(b *Books) error {
		bob, _ := b.Account("bob@hotmail.com")
		if r, _ := b.Roles(bob, "old@hotmail.com"); r != 0 {
			t.Errorf("bob still lists old: %d", r)
		}
		for _, name := range bookBuckets {
			b.tx.Bucket(name).ForEach(func(k, _ []byte) error {
				if binary.BigEndian.Uint64(k) == 1 {
					t.Errorf("%s keeps %x", name, k)
				}
				return nil
			})
		}
		return nil
	})
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

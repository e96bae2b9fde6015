package store

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Schema 3's book layout, read only by migration 4: books/<owner id> held
// five nested buckets of JSON records (and "contacts.details" once written).
// Each nested bucket cost at least a page, so a 10-contact book took 13 KiB.
var (
	oldSubContacts       = []byte("contacts")
	oldSubContactEmail   = []byte("contacts.email")
	oldSubGroups         = []byte("groups")
	oldSubMembers        = []byte("members")
	oldSubBookMeta       = []byte("meta")
	oldSubContactDetails = []byte("contacts.details")
	oldKeyLastChange     = []byte("lastchange")
)

// migrateFlatBooks (schema 4) moves every book from the nested layout into
// the flat buckets, record for record: contacts with their groups,
// annotations and tombstones, the e-mail index, memberships (tombstones and
// member ids too), groups, details and the last-change stamp, so delta sync
// sees the same stamps before and after.
func migrateFlatBooks(tx *bolt.Tx) error {
	for _, name := range bookBuckets {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		// Owners come in id order and each owner's records in key order,
		// so every write appends: fill the pages.
		b.FillPercent = 1
	}
	books := tx.Bucket(bucketBooks)
	if books == nil {
		return nil
	}
	var owners [][]byte
	err := books.ForEach(func(k, v []byte) error {
		if v == nil {
			owners = append(owners, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range owners {
		if len(k) != 8 {
			return fmt.Errorf("book key %x: %w", k, ErrInvalid)
		}
		if err := migrateBook(tx, binary.BigEndian.Uint64(k), books.Bucket(k)); err != nil {
			return fmt.Errorf("book of account %d: %w", binary.BigEndian.Uint64(k), err)
		}
	}
	return tx.DeleteBucket(bucketBooks)
}

func migrateBook(tx *bolt.Tx, owner uint64, bk *bolt.Bucket) error {
	sub := bk.Bucket
	if b := sub(oldSubContacts); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			var c Contact
			if err := jsonUnmarshal(v, &c); err != nil {
				return fmt.Errorf("contact %s: %w", k, err)
			}
			id, ok := parseGUID(c.ID)
			if !ok {
				return fmt.Errorf("contact id %q: %w", c.ID, ErrInvalid)
			}
			return tx.Bucket(bucketBookContacts).Put(ownerKey(owner, id[:]), encodeContact(&c))
		})
		if err != nil {
			return err
		}
	}
	addrs := map[string]*address{}
	get := func(email string) *address {
		a := addrs[email]
		if a == nil {
			a = &address{}
			addrs[email] = a
		}
		return a
	}
	var m bookMeta
	if b := sub(oldSubContactEmail); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			id, ok := parseGUID(string(v))
			if !ok {
				return fmt.Errorf("index entry %s → %q: %w", k, v, ErrInvalid)
			}
			get(string(k)).contact = id[:]
			m.contacts++
			return nil
		})
		if err != nil {
			return err
		}
	}
	if b := sub(oldSubMembers); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			var mb Member
			if err := jsonUnmarshal(v, &mb); err != nil || len(k) < 1 {
				return fmt.Errorf("member %q: %w", k, ErrInvalid)
			}
			email := string(k[1:])
			mb.Role = int(k[0])
			mb.Email = email
			get(email).roles = append(get(email).roles, &mb)
			return nil
		})
		if err != nil {
			return err
		}
	}
	emails := slices.Sorted(maps.Keys(addrs))
	for _, email := range emails {
		a := addrs[email]
		slices.SortFunc(a.roles, func(x, y *Member) int { return x.Role - y.Role })
		if err := tx.Bucket(bucketBookAddresses).Put(ownerKey(owner, []byte(email)), encodeAddress(a)); err != nil {
			return err
		}
	}
	copyAll := func(from []byte, to []byte) error {
		b := sub(from)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil
			}
			return tx.Bucket(to).Put(ownerKey(owner, k), v)
		})
	}
	if err := copyAll(oldSubGroups, bucketBookGroups); err != nil {
		return err
	}
	if err := copyAll(oldSubContactDetails, bucketBookDetails); err != nil {
		return err
	}
	if b := sub(oldSubBookMeta); b != nil {
		if v := b.Get(oldKeyLastChange); v != nil {
			t, err := time.Parse(time.RFC3339Nano, string(v))
			if err != nil {
				return fmt.Errorf("last change %q: %w", v, err)
			}
			m.lastChange = t.UTC()
		}
	}
	return tx.Bucket(bucketBookMeta).Put(u64key(owner), encodeBookMeta(m))
}

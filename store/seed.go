package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SeedBook is one account's contact list for bulk seeding: every contact is
// an existing MSN-network account that lists Owner back (the caller keeps
// the relation mutual), so the book is complete on its own.
type SeedBook struct {
	Owner    string
	Contacts []string
}

// SeedBooks writes the books of freshly created accounts in one
// transaction, the fast path for load-test seeding: each contact goes on the
// owner's forward list (a Messenger contact), allow list and reverse list,
// exactly as AddForward plus SetMembership from both sides would leave them,
// but without reading anything back. Records are written in key order into
// tightly filled pages. A book that already has contacts, an unknown
// account or more than MaxContacts contacts fails the whole batch.
func (s *Store) SeedBooks(books []SeedBook) error {
	now := time.Now().UTC()
	return s.write(func(tx *bolt.Tx) error {
		b := &Books{tx: tx, now: now}
		idx := tx.Bucket(bucketEmailIndex)
		for _, sb := range books {
			if len(sb.Contacts) > MaxContacts {
				return fmt.Errorf("%s: %d contacts: %w", sb.Owner, len(sb.Contacts), ErrLimitReached)
			}
			owner, err := accountByEmail(tx, sb.Owner)
			if err != nil {
				return err
			}
			if err := b.seedBook(idx, owner, sb.Contacts); err != nil {
				return fmt.Errorf("seed book of %s: %w", owner.Email, err)
			}
		}
		return nil
	})
}

func (b *Books) seedBook(idx *bolt.Bucket, owner *Account, contacts []string) error {
	if m, err := b.meta(owner); err != nil {
		return err
	} else if m.contacts > 0 {
		return fmt.Errorf("book already has contacts: %w", ErrExists)
	}
	emails := make([]string, len(contacts))
	for i, c := range contacts {
		emails[i] = strings.ToLower(c)
		if idx.Get([]byte(emails[i])) == nil {
			return fmt.Errorf("contact %s: %w", c, ErrNotFound)
		}
	}
	slices.Sort(emails)
	emails = slices.Compact(emails)

	type seeded struct {
		id    [16]byte
		email string
	}
	list := make([]seeded, len(emails))
	for i, e := range emails {
		list[i].id, _ = parseGUID(NewGUID())
		list[i].email = e
	}
	// Owners are seeded in id order, so with each owner's keys sorted the
	// writes append to the buckets and fill their pages.
	addrs := b.tx.Bucket(bucketBookAddresses)
	addrs.FillPercent = 1
	for _, c := range list { // emails are sorted
		a := &address{contact: c.id[:]}
		for _, role := range []int{ListAllow, ListReverse} {
			a.roles = append(a.roles, &Member{Role: role, Network: NetworkMSN, Created: b.now, Changed: b.now, MemberID: randUint64() & 0x7FFFFFFF})
		}
		if err := addrs.Put(ownerKey(owner.ID, []byte(c.email)), encodeAddress(a)); err != nil {
			return err
		}
	}
	slices.SortFunc(list, func(x, y seeded) int { return bytes.Compare(x.id[:], y.id[:]) })
	cb := b.tx.Bucket(bucketBookContacts)
	cb.FillPercent = 1
	for _, c := range list {
		ct := &Contact{Email: c.email, Network: NetworkMSN, IsMessengerUser: true, Created: b.now, Changed: b.now}
		if err := cb.Put(ownerKey(owner.ID, c.id[:]), encodeContact(ct)); err != nil {
			return err
		}
	}
	b.tx.Bucket(bucketBookMeta).FillPercent = 1
	return b.touch(owner, len(list))
}

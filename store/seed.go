package store

import (
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
	bk, err := b.book(owner)
	if err != nil {
		return err
	}
	if bk.Bucket(subContactEmail).Stats().KeyN > 0 {
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

	list := make([]*Contact, len(emails))
	for i, e := range emails {
		list[i] = &Contact{ID: NewGUID(), Email: e, Network: NetworkMSN, IsMessengerUser: true, Created: b.now, Changed: b.now}
	}
	ix := bk.Bucket(subContactEmail)
	ix.FillPercent = 1
	for _, c := range list { // emails are sorted
		if err := ix.Put([]byte(c.Email), []byte(c.ID)); err != nil {
			return err
		}
	}
	slices.SortFunc(list, func(x, y *Contact) int { return strings.Compare(x.ID, y.ID) })
	cb := bk.Bucket(subContacts)
	cb.FillPercent = 1
	for _, c := range list {
		if err := putJSON(cb, []byte(c.ID), c); err != nil {
			return err
		}
	}
	members := bk.Bucket(subMembers)
	members.FillPercent = 1
	for _, role := range []int{ListAllow, ListReverse} { // key order: role byte first
		for _, e := range emails {
			m := Member{Role: role, Email: e, Network: NetworkMSN, Created: b.now, Changed: b.now, MemberID: randUint64() & 0x7FFFFFFF}
			if err := putJSON(members, memberKey(role, e), &m); err != nil {
				return err
			}
		}
	}
	return b.touch(bk)
}

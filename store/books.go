package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// List bits, as in ADL/RML (l=) and the sharing service's roles. Persisted.
const (
	ListForward = 1  // FL: address-book contact that is a Messenger user
	ListAllow   = 2  // AL: role Allow
	ListBlock   = 4  // BL: role Block
	ListReverse = 8  // RL: role Reverse (they have me on their FL)
	ListPending = 16 // PL: role Pending (they added me, I have not answered)
)

// RoleNames maps membership list bits to sharing-service role names.
var RoleNames = map[int]string{ListAllow: "Allow", ListBlock: "Block", ListReverse: "Reverse", ListPending: "Pending"}

// RoleByName is the inverse of RoleNames.
func RoleByName(name string) (int, bool) {
	for bit, n := range RoleNames {
		if strings.EqualFold(n, name) {
			return bit, true
		}
	}
	return 0, false
}

// Contact is an address-book entry (the forward list when IsMessengerUser).
type Contact struct {
	ID              string            `json:"id"` // GUID
	Email           string            `json:"email"`
	Network         int               `json:"network"`
	Nickname        string            `json:"nickname,omitempty"` // displayName the owner gave
	IsMessengerUser bool              `json:"messenger"`
	Groups          []string          `json:"groups,omitempty"` // group GUIDs
	Annotations     map[string]string `json:"annotations,omitempty"`
	Created         time.Time         `json:"created"`
	Changed         time.Time         `json:"changed"`
	Deleted         bool              `json:"deleted,omitempty"` // tombstone for delta sync
}

// Group is an address-book group.
type Group struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Favorite bool      `json:"favorite,omitempty"`
	Created  time.Time `json:"created"`
	Changed  time.Time `json:"changed"`
	Deleted  bool      `json:"deleted,omitempty"`
}

// Member is one role membership (Allow, Block, Reverse or Pending) of one address.
type Member struct {
	Role        int       `json:"role"` // one of ListAllow..ListPending
	Email       string    `json:"email"`
	Network     int       `json:"network"`
	DisplayName string    `json:"name,omitempty"`
	Created     time.Time `json:"created"`
	Changed     time.Time `json:"changed"`
	Deleted     bool      `json:"deleted,omitempty"`
	MemberID    uint64    `json:"mid"` // stable numeric id for the sharing service
}

// Limits on address books.
var (
	MaxContacts = 1000
	MaxGroups   = 100
)

// The flat book layout (schema 4): top-level buckets keyed by the owner's
// 8-byte account id first, so one owner's records are one contiguous range
// and every lookup is a single key.
//
//	book.meta      owner                  → bookMeta (contact count, last change)
//	book.contacts  owner|contact GUID(16) → contact (bookcodec.go)
//	book.addresses owner|e-mail           → address: live contact id + role memberships
//	book.groups    owner|group GUID       → Group as JSON (few per book)
//	book.details   owner|contact id       → opaque details blob (books_extra.go)
var (
	bucketBookMeta      = []byte("book.meta")
	bucketBookContacts  = []byte("book.contacts")
	bucketBookAddresses = []byte("book.addresses")
	bucketBookGroups    = []byte("book.groups")
	bucketBookDetails   = []byte("book.details")
)

// bookBuckets are the flat layout's buckets, created by migration 4.
var bookBuckets = [][]byte{bucketBookMeta, bucketBookContacts, bucketBookAddresses, bucketBookGroups, bucketBookDetails}

// ownerKey is owner|rest.
func ownerKey(owner uint64, rest []byte) []byte {
	k := make([]byte, 8, 8+len(rest))
	binary.BigEndian.PutUint64(k, owner)
	return append(k, rest...)
}

// forOwner calls fn for each of owner's records in bucket, in key order,
// with the key's part after the owner id.
func forOwner(bk *bolt.Bucket, owner uint64, fn func(rest, v []byte) error) error {
	prefix := u64key(owner)
	c := bk.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k[8:], v); err != nil {
			return err
		}
	}
	return nil
}

// deleteBook removes every record of owner's book.
func deleteBook(tx *bolt.Tx, owner uint64) error {
	prefix := u64key(owner)
	for _, name := range bookBuckets {
		c := tx.Bucket(name).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	return nil
}

// NewGUID returns a random RFC 4122 version 4 GUID in lower case.
func NewGUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Books gives access to address books inside one transaction. Methods taking
// an owner work on that account's book; several books may change in one
// transaction (adding someone also changes their reverse list).
type Books struct {
	tx  *bolt.Tx
	now time.Time
}

// ViewBooks runs fn in a read transaction.
func (s *Store) ViewBooks(fn func(b *Books) error) error {
	return s.read(func(tx *bolt.Tx) error { return fn(&Books{tx: tx, now: s.now().UTC()}) })
}

// UpdateBooks runs fn in one write transaction: all of its changes land, or none.
func (s *Store) UpdateBooks(fn func(b *Books) error) error {
	return s.write(func(tx *bolt.Tx) error { return fn(&Books{tx: tx, now: s.now().UTC()}) })
}

// Now is the transaction's timestamp, used for every Changed field it writes.
func (b *Books) Now() time.Time { return b.now }

// Account finds an account by e-mail.
func (b *Books) Account(email string) (*Account, error) { return accountByEmail(b.tx, email) }

// SaveAccount writes back an account read in this transaction.
func (b *Books) SaveAccount(a *Account) error {
	return putJSON(b.tx.Bucket(bucketAccounts), u64key(a.ID), a)
}

func (b *Books) meta(owner *Account) (bookMeta, error) {
	v := b.tx.Bucket(bucketBookMeta).Get(u64key(owner.ID))
	if v == nil {
		return bookMeta{}, nil
	}
	m, err := decodeBookMeta(v)
	if err != nil {
		return m, fmt.Errorf("book of %s: %w", owner.Email, err)
	}
	return m, nil
}

// touch records a change now and moves the contact count by delta.
func (b *Books) touch(owner *Account, delta int) error {
	m, err := b.meta(owner)
	if err != nil {
		return err
	}
	m.contacts = uint64(int64(m.contacts) + int64(delta))
	m.lastChange = b.now
	return b.tx.Bucket(bucketBookMeta).Put(u64key(owner.ID), encodeBookMeta(m))
}

// LastChange is when the owner's book last changed (zero if never).
func (b *Books) LastChange(owner *Account) time.Time {
	m, _ := b.meta(owner)
	return m.lastChange
}

// Touch marks the owner's book as changed now (e.g. after an account setting changed).
func (b *Books) Touch(owner *Account) error { return b.touch(owner, 0) }

// Contacts lists the owner's contacts, tombstones included, oldest first.
func (b *Books) Contacts(owner *Account) ([]*Contact, error) {
	var out []*Contact
	err := forOwner(b.tx.Bucket(bucketBookContacts), owner.ID, func(id, v []byte) error {
		c, err := decodeContact(id, v)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// contact reads a contact by its 16-byte id, tombstones included (nil if absent).
func (b *Books) contact(owner *Account, id []byte) (*Contact, error) {
	v := b.tx.Bucket(bucketBookContacts).Get(ownerKey(owner.ID, id))
	if v == nil {
		return nil, nil
	}
	return decodeContact(id, v)
}

// Contact finds a live contact by GUID.
func (b *Books) Contact(owner *Account, id string) (*Contact, error) {
	g, ok := parseGUID(id)
	if !ok {
		return nil, fmt.Errorf("contact %s: %w", id, ErrNotFound)
	}
	c, err := b.contact(owner, g[:])
	if err != nil {
		return nil, err
	}
	if c == nil || c.Deleted {
		return nil, fmt.Errorf("contact %s: %w", id, ErrNotFound)
	}
	return c, nil
}

// address reads the owner's record of email (nil if none).
func (b *Books) address(owner *Account, email string) (*address, error) {
	v := b.tx.Bucket(bucketBookAddresses).Get(ownerKey(owner.ID, []byte(email)))
	if v == nil {
		return nil, nil
	}
	return decodeAddress(email, v)
}

// putAddress writes (or, when empty, removes) the owner's record of email.
func (b *Books) putAddress(owner *Account, email string, a *address) error {
	key := ownerKey(owner.ID, []byte(email))
	if a.empty() {
		return b.tx.Bucket(bucketBookAddresses).Delete(key)
	}
	return b.tx.Bucket(bucketBookAddresses).Put(key, encodeAddress(a))
}

// ContactByEmail finds a live contact by e-mail.
func (b *Books) ContactByEmail(owner *Account, email string) (*Contact, error) {
	a, err := b.address(owner, strings.ToLower(email))
	if err != nil {
		return nil, err
	}
	if a == nil || a.contact == nil {
		return nil, fmt.Errorf("contact %s: %w", email, ErrNotFound)
	}
	return b.Contact(owner, formatGUID(a.contact))
}

// PutContact creates or updates a contact. A new contact (empty ID) gets a
// GUID; ErrExists if another live contact has the same e-mail, and
// ErrLimitReached past MaxContacts. It reads and writes a fixed number of
// records whatever the book's size.
func (b *Books) PutContact(owner *Account, c *Contact) error {
	c.Email = strings.ToLower(c.Email)
	var id [16]byte
	var prev *Contact
	if c.ID == "" {
		if c.Email != "" {
			a, err := b.address(owner, c.Email)
			if err != nil {
				return err
			}
			if a != nil && a.contact != nil {
				return fmt.Errorf("contact %s: %w", c.Email, ErrExists)
			}
		}
		m, err := b.meta(owner)
		if err != nil {
			return err
		}
		if m.contacts >= uint64(MaxContacts) {
			return fmt.Errorf("%d contacts: %w", MaxContacts, ErrLimitReached)
		}
		c.ID = NewGUID()
		c.Created = b.now
		id, _ = parseGUID(c.ID)
	} else {
		var ok bool
		if id, ok = parseGUID(c.ID); !ok {
			return fmt.Errorf("contact id %q: %w", c.ID, ErrInvalid)
		}
		c.ID = formatGUID(id[:])
		var err error
		if prev, err = b.contact(owner, id[:]); err != nil {
			return err
		}
	}
	c.Changed = b.now
	delta := 0
	// The e-mail index: an address names its live contact. A contact whose
	// e-mail changed leaves its old address.
	if prev != nil && prev.Email != "" && prev.Email != c.Email {
		d, err := b.unlinkContact(owner, prev.Email, id[:])
		if err != nil {
			return err
		}
		delta += d
	}
	if c.Email != "" {
		if c.Deleted {
			d, err := b.unlinkContact(owner, c.Email, id[:])
			if err != nil {
				return err
			}
			delta += d
		} else {
			a, err := b.address(owner, c.Email)
			if err != nil {
				return err
			}
			if a == nil {
				a = &address{}
			}
			if !bytes.Equal(a.contact, id[:]) {
				if a.contact == nil {
					delta++
				}
				a.contact = append([]byte(nil), id[:]...)
				if err := b.putAddress(owner, c.Email, a); err != nil {
					return err
				}
			}
		}
	}
	if err := b.tx.Bucket(bucketBookContacts).Put(ownerKey(owner.ID, id[:]), encodeContact(c)); err != nil {
		return err
	}
	return b.touch(owner, delta)
}

// unlinkContact drops contact id from email's address if it is the one named
// there, returning the change in the live contact count.
func (b *Books) unlinkContact(owner *Account, email string, id []byte) (int, error) {
	a, err := b.address(owner, email)
	if err != nil || a == nil || !bytes.Equal(a.contact, id) {
		return 0, err
	}
	a.contact = nil
	return -1, b.putAddress(owner, email, a)
}

// Groups lists the owner's groups, tombstones included, oldest first.
func (b *Books) Groups(owner *Account) ([]*Group, error) {
	var out []*Group
	err := forOwner(b.tx.Bucket(bucketBookGroups), owner.ID, func(_, v []byte) error {
		var g Group
		if err := jsonUnmarshal(v, &g); err != nil {
			return err
		}
		out = append(out, &g)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// Group finds a live group by GUID.
func (b *Books) Group(owner *Account, id string) (*Group, error) {
	var g Group
	if getJSON(b.tx.Bucket(bucketBookGroups), ownerKey(owner.ID, []byte(strings.ToLower(id))), &g) != nil || g.Deleted {
		return nil, fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	return &g, nil
}

// PutGroup creates (empty ID) or updates a group. ErrExists when another live
// group has the same name (case-insensitive).
func (b *Books) PutGroup(owner *Account, g *Group) error {
	if !g.Deleted {
		groups, err := b.Groups(owner)
		if err != nil {
			return err
		}
		live := 0
		for _, other := range groups {
			if other.Deleted {
				continue
			}
			live++
			if other.ID != g.ID && strings.EqualFold(other.Name, g.Name) {
				return fmt.Errorf("group %q (%s): %w", g.Name, other.ID, ErrExists)
			}
		}
		if g.ID == "" && live >= MaxGroups {
			return fmt.Errorf("%d groups: %w", MaxGroups, ErrLimitReached)
		}
	}
	if g.ID == "" {
		g.ID = NewGUID()
		g.Created = b.now
	}
	g.Changed = b.now
	if err := putJSON(b.tx.Bucket(bucketBookGroups), ownerKey(owner.ID, []byte(g.ID)), g); err != nil {
		return err
	}
	return b.touch(owner, 0)
}

// Members lists the owner's memberships, tombstones included, by role then e-mail.
func (b *Books) Members(owner *Account) ([]*Member, error) {
	var out []*Member
	err := forOwner(b.tx.Bucket(bucketBookAddresses), owner.ID, func(email, v []byte) error {
		a, err := decodeAddress(string(email), v)
		if err != nil {
			return err
		}
		out = append(out, a.roles...)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Role < out[j].Role })
	return out, err
}

// Roles returns the live membership bits (AL, BL, RL, PL) the owner holds for email.
func (b *Books) Roles(owner *Account, email string) (int, error) {
	a, err := b.address(owner, strings.ToLower(email))
	if err != nil || a == nil {
		return 0, err
	}
	bits := 0
	for _, m := range a.roles {
		if !m.Deleted {
			bits |= m.Role
		}
	}
	return bits, nil
}

// SetRole adds (on) or removes a membership. It reports whether anything changed;
// removing what is absent and adding what is present are no-ops.
func (b *Books) SetRole(owner *Account, email string, network int, role int, on bool) (bool, error) {
	if _, ok := RoleNames[role]; !ok {
		return false, fmt.Errorf("role %d: %w", role, ErrInvalid)
	}
	email = strings.ToLower(email)
	a, err := b.address(owner, email)
	if err != nil {
		return false, err
	}
	if a == nil {
		a = &address{}
	}
	m := a.role(role)
	if m != nil && m.Deleted != on {
		return false, nil // already in the wanted state
	}
	if m == nil && !on {
		return false, nil
	}
	if m == nil {
		m = &Member{Role: role, Email: email, Created: b.now, MemberID: randUint64() & 0x7FFFFFFF}
		a.roles = append(a.roles, m)
		slices.SortFunc(a.roles, func(x, y *Member) int { return x.Role - y.Role })
	} else if on {
		m.Created = b.now
	}
	if network != 0 {
		m.Network = network
	}
	if m.Network == 0 {
		m.Network = NetworkMSN
	}
	m.Deleted = !on
	m.Changed = b.now
	if err := b.putAddress(owner, email, a); err != nil {
		return false, err
	}
	return true, b.touch(owner, 0)
}

// Lists is the owner's list state as the NS sees it: email → network per list.
type Lists struct {
	BLP     string
	Forward map[string]int
	Allow   map[string]int
	Block   map[string]int
	Reverse map[string]int
	Pending map[string]int
}

// Bits returns the list bits held for email.
func (l *Lists) Bits(email string) int {
	bits := 0
	for bit, m := range map[int]map[string]int{ListForward: l.Forward, ListAllow: l.Allow, ListBlock: l.Block, ListReverse: l.Reverse, ListPending: l.Pending} {
		if _, ok := m[email]; ok {
			bits |= bit
		}
	}
	return bits
}

// Lists derives the owner's lists from the book.
func (b *Books) Lists(owner *Account) (*Lists, error) {
	l := &Lists{BLP: owner.Privacy(), Forward: map[string]int{}, Allow: map[string]int{}, Block: map[string]int{}, Reverse: map[string]int{}, Pending: map[string]int{}}
	contacts, err := b.Contacts(owner)
	if err != nil {
		return nil, err
	}
	for _, c := range contacts {
		if !c.Deleted && c.IsMessengerUser && c.Email != "" {
			l.Forward[c.Email] = c.Network
		}
	}
	members, err := b.Members(owner)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.Deleted {
			continue
		}
		switch m.Role {
		case ListAllow:
			l.Allow[m.Email] = m.Network
		case ListBlock:
			l.Block[m.Email] = m.Network
		case ListReverse:
			l.Reverse[m.Email] = m.Network
		case ListPending:
			l.Pending[m.Email] = m.Network
		}
	}
	return l, nil
}

// Lists reads the owner's lists in a read transaction.
func (s *Store) Lists(email string) (*Account, *Lists, error) {
	var a *Account
	var l *Lists
	err := s.ViewBooks(func(b *Books) (err error) {
		if a, err = b.Account(email); err != nil {
			return err
		}
		l, err = b.Lists(a)
		return err
	})
	return a, l, err
}

// Blocks reports whether owner's privacy settings hide owner from viewer:
// viewer on owner's BL, or BLP=BL and viewer not on owner's AL.
func (l *Lists) Blocks(viewer string) bool {
	if _, ok := l.Block[viewer]; ok {
		return true
	}
	if _, ok := l.Allow[viewer]; ok {
		return false
	}
	return l.BLP == "BL"
}

// removeFromOthersLists takes a deleted account off every book that names it.
func removeFromOthersLists(tx *bolt.Tx, gone *Account, now time.Time) error {
	b := &Books{tx: tx, now: now.UTC()}
	var owners []uint64
	err := tx.Bucket(bucketBookMeta).ForEach(func(k, v []byte) error {
		if id := binary.BigEndian.Uint64(k); id != gone.ID {
			owners = append(owners, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range owners {
		var owner Account
		if getJSON(tx.Bucket(bucketAccounts), u64key(id), &owner) != nil {
			continue
		}
		if c, err := b.ContactByEmail(&owner, gone.Email); err == nil {
			c.Deleted = true
			if err := b.PutContact(&owner, c); err != nil {
				return err
			}
		}
		for role := range RoleNames {
			if _, err := b.SetRole(&owner, gone.Email, 0, role, false); err != nil {
				return err
			}
		}
	}
	return nil
}

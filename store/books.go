package store

import (
	"crypto/rand"
	"fmt"
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

var (
	subContacts     = []byte("contacts")
	subContactEmail = []byte("contacts.email")
	subGroups       = []byte("groups")
	subMembers      = []byte("members")
	subBookMeta     = []byte("meta")
	keyLastChange   = []byte("lastchange")
)

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

// book returns the owner's book bucket, creating it in write transactions.
func (b *Books) book(owner *Account) (*bolt.Bucket, error) {
	books := b.tx.Bucket(bucketBooks)
	key := u64key(owner.ID)
	if bk := books.Bucket(key); bk != nil || !b.tx.Writable() {
		return bk, nil
	}
	bk, err := books.CreateBucket(key)
	if err != nil {
		return nil, err
	}
	for _, name := range [][]byte{subContacts, subContactEmail, subGroups, subMembers, subBookMeta} {
		if _, err := bk.CreateBucket(name); err != nil {
			return nil, err
		}
	}
	return bk, nil
}

func (b *Books) touch(bk *bolt.Bucket) error {
	return bk.Bucket(subBookMeta).Put(keyLastChange, []byte(b.now.Format(time.RFC3339Nano)))
}

// LastChange is when the owner's book last changed (zero if never).
func (b *Books) LastChange(owner *Account) time.Time {
	bk, err := b.book(owner)
	if err != nil || bk == nil {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, string(bk.Bucket(subBookMeta).Get(keyLastChange)))
	return t
}

// Touch marks the owner's book as changed now (e.g. after an account setting changed).
func (b *Books) Touch(owner *Account) error {
	bk, err := b.book(owner)
	if err != nil {
		return err
	}
	return b.touch(bk)
}

// Contacts lists the owner's contacts, tombstones included, oldest first.
func (b *Books) Contacts(owner *Account) ([]*Contact, error) {
	bk, err := b.book(owner)
	if err != nil || bk == nil {
		return nil, err
	}
	var out []*Contact
	err = bk.Bucket(subContacts).ForEach(func(k, v []byte) error {
		var c Contact
		if err := getJSON(bk.Bucket(subContacts), k, &c); err != nil {
			return err
		}
		out = append(out, &c)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// Contact finds a live contact by GUID.
func (b *Books) Contact(owner *Account, id string) (*Contact, error) {
	bk, err := b.book(owner)
	if err != nil {
		return nil, err
	}
	var c Contact
	if bk == nil || getJSON(bk.Bucket(subContacts), []byte(strings.ToLower(id)), &c) != nil || c.Deleted {
		return nil, fmt.Errorf("contact %s: %w", id, ErrNotFound)
	}
	return &c, nil
}

// ContactByEmail finds a live contact by e-mail.
func (b *Books) ContactByEmail(owner *Account, email string) (*Contact, error) {
	bk, err := b.book(owner)
	if err != nil {
		return nil, err
	}
	if bk == nil {
		return nil, fmt.Errorf("contact %s: %w", email, ErrNotFound)
	}
	id := bk.Bucket(subContactEmail).Get([]byte(strings.ToLower(email)))
	if id == nil {
		return nil, fmt.Errorf("contact %s: %w", email, ErrNotFound)
	}
	return b.Contact(owner, string(id))
}

// PutContact creates or updates a contact. A new contact (empty ID) gets a
// GUID; ErrExists if another live contact has the same e-mail, and
// ErrLimitReached past MaxContacts.
func (b *Books) PutContact(owner *Account, c *Contact) error {
	bk, err := b.book(owner)
	if err != nil {
		return err
	}
	c.Email = strings.ToLower(c.Email)
	idx := bk.Bucket(subContactEmail)
	if c.ID == "" {
		if c.Email != "" && idx.Get([]byte(c.Email)) != nil {
			return fmt.Errorf("contact %s: %w", c.Email, ErrExists)
		}
		if idx.Stats().KeyN >= MaxContacts {
			return fmt.Errorf("%d contacts: %w", MaxContacts, ErrLimitReached)
		}
		c.ID = NewGUID()
		c.Created = b.now
	}
	c.Changed = b.now
	if c.Email != "" {
		if c.Deleted {
			if string(idx.Get([]byte(c.Email))) == c.ID {
				if err := idx.Delete([]byte(c.Email)); err != nil {
					return err
				}
			}
		} else if err := idx.Put([]byte(c.Email), []byte(c.ID)); err != nil {
			return err
		}
	}
	if err := putJSON(bk.Bucket(subContacts), []byte(c.ID), c); err != nil {
		return err
	}
	return b.touch(bk)
}

// Groups lists the owner's groups, tombstones included, oldest first.
func (b *Books) Groups(owner *Account) ([]*Group, error) {
	bk, err := b.book(owner)
	if err != nil || bk == nil {
		return nil, err
	}
	var out []*Group
	err = bk.Bucket(subGroups).ForEach(func(k, v []byte) error {
		var g Group
		if err := getJSON(bk.Bucket(subGroups), k, &g); err != nil {
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
	bk, err := b.book(owner)
	if err != nil {
		return nil, err
	}
	var g Group
	if bk == nil || getJSON(bk.Bucket(subGroups), []byte(strings.ToLower(id)), &g) != nil || g.Deleted {
		return nil, fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	return &g, nil
}

// PutGroup creates (empty ID) or updates a group. ErrExists when another live
// group has the same name (case-insensitive).
func (b *Books) PutGroup(owner *Account, g *Group) error {
	bk, err := b.book(owner)
	if err != nil {
		return err
	}
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
	if err := putJSON(bk.Bucket(subGroups), []byte(g.ID), g); err != nil {
		return err
	}
	return b.touch(bk)
}

func memberKey(role int, email string) []byte {
	return append([]byte{byte(role)}, strings.ToLower(email)...)
}

// Members lists the owner's memberships, tombstones included.
func (b *Books) Members(owner *Account) ([]*Member, error) {
	bk, err := b.book(owner)
	if err != nil || bk == nil {
		return nil, err
	}
	var out []*Member
	err = bk.Bucket(subMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := getJSON(bk.Bucket(subMembers), k, &m); err != nil {
			return err
		}
		out = append(out, &m)
		return nil
	})
	return out, err
}

// Roles returns the live membership bits (AL, BL, RL, PL) the owner holds for email.
func (b *Books) Roles(owner *Account, email string) (int, error) {
	bk, err := b.book(owner)
	if err != nil || bk == nil {
		return 0, err
	}
	bits := 0
	for role := range RoleNames {
		var m Member
		if getJSON(bk.Bucket(subMembers), memberKey(role, email), &m) == nil && !m.Deleted {
			bits |= role
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
	bk, err := b.book(owner)
	if err != nil {
		return false, err
	}
	key := memberKey(role, email)
	var m Member
	found := getJSON(bk.Bucket(subMembers), key, &m) == nil
	if found && m.Deleted != on {
		return false, nil // already in the wanted state
	}
	if !found && !on {
		return false, nil
	}
	if !found {
		m = Member{Role: role, Email: strings.ToLower(email), Created: b.now, MemberID: randUint64() & 0x7FFFFFFF}
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
	if err := putJSON(bk.Bucket(subMembers), key, &m); err != nil {
		return false, err
	}
	return true, b.touch(bk)
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
	err := tx.Bucket(bucketBooks).ForEach(func(k, v []byte) error {
		if v == nil && string(k) != string(u64key(gone.ID)) {
			owners = append(owners, beUint64(k))
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

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

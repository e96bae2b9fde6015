package store

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// The flat book layout stores contacts and addresses in a compact binary
// form rather than JSON: a 10-contact book is about 40 records, and at JSON
// sizes (RFC 3339 stamps, field names, GUIDs as text) it took several times
// the 2 KiB a book may take on disk. The formats below are persisted: fields
// are only ever appended, flag bits never reused.
//
//	contact:  flags, network, email, nickname, created, [changed], groups, annotations
//	address:  contact id (0 or 16 bytes), roles: (role, flags, network, created, [changed], member id, name)...
//
// Integers are uvarints, strings a uvarint length and the bytes, a time is
// a varint of Unix seconds and a uvarint of nanoseconds (UTC); "changed" is
// left out when it equals "created" (flag sameTime).

const (
	flagDeleted   = 1
	flagMessenger = 2
	flagSameTime  = 4
)

// parseGUID reads a GUID in NewGUID's form (any case) as its 16 bytes.
func parseGUID(s string) ([16]byte, bool) {
	var g [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return g, false
	}
	h := make([]byte, 0, 32)
	h = append(h, s[0:8]...)
	h = append(h, s[9:13]...)
	h = append(h, s[14:18]...)
	h = append(h, s[19:23]...)
	h = append(h, s[24:36]...)
	if _, err := hex.Decode(g[:], h); err != nil {
		return g, false
	}
	return g, true
}

// formatGUID writes 16 bytes as NewGUID does (lower case).
func formatGUID(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decoder reads the formats above; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = fmt.Errorf("corrupt book record: %w", ErrInvalid)
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func encodeContact(c *Contact) []byte {
	flags := byte(0)
	if c.Deleted {
		flags |= flagDeleted
	}
	if c.IsMessengerUser {
		flags |= flagMessenger
	}
	if c.Changed.Equal(c.Created) {
		flags |= flagSameTime
	}
	b := make([]byte, 0, 48+len(c.Email)+len(c.Nickname))
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(c.Network))
	b = appendString(b, c.Email)
	b = appendString(b, c.Nickname)
	b = appendTime(b, c.Created)
	if flags&flagSameTime == 0 {
		b = appendTime(b, c.Changed)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Groups)))
	for _, g := range c.Groups {
		b = appendString(b, g)
	}
	keys := make([]string, 0, len(c.Annotations))
	for k := range c.Annotations {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, c.Annotations[k])
	}
	return b
}

func decodeContact(id []byte, v []byte) (*Contact, error) {
	d := &decoder{b: v}
	c := &Contact{ID: formatGUID(id)}
	flags := d.byte()
	c.Deleted = flags&flagDeleted != 0
	c.IsMessengerUser = flags&flagMessenger != 0
	c.Network = int(d.uvarint())
	c.Email = d.string()
	c.Nickname = d.string()
	c.Created = d.time()
	c.Changed = c.Created
	if flags&flagSameTime == 0 {
		c.Changed = d.time()
	}
	if n := d.uvarint(); n > uint64(len(d.b)) {
		d.fail()
	} else if n > 0 {
		c.Groups = make([]string, n)
		for i := range c.Groups {
			c.Groups[i] = d.string()
		}
	}
	if n := d.uvarint(); n > uint64(len(d.b)) {
		d.fail()
	} else if n > 0 {
		c.Annotations = make(map[string]string, n)
		for range n {
			k := d.string()
			c.Annotations[k] = d.string()
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("contact %s: %w", c.ID, d.err)
	}
	return c, nil
}

// address is everything an owner keeps about one e-mail address: the live
// contact holding it (the e-mail index) and its role memberships, tombstones
// included. One record instead of an index entry plus one per role keeps a
// book small, and Roles is one read.
type address struct {
	contact []byte    // 16-byte contact GUID, or nil
	roles   []*Member // at most one per role bit, Email unset
}

func (a *address) empty() bool { return a.contact == nil && len(a.roles) == 0 }

func (a *address) role(bit int) *Member {
	for _, m := range a.roles {
		if m.Role == bit {
			return m
		}
	}
	return nil
}

func encodeAddress(a *address) []byte {
	b := make([]byte, 0, 20+24*len(a.roles))
	b = binary.AppendUvarint(b, uint64(len(a.contact)))
	b = append(b, a.contact...)
	b = binary.AppendUvarint(b, uint64(len(a.roles)))
	for _, m := range a.roles {
		flags := byte(0)
		if m.Deleted {
			flags |= flagDeleted
		}
		if m.Changed.Equal(m.Created) {
			flags |= flagSameTime
		}
		b = append(b, byte(m.Role), flags)
		b = binary.AppendUvarint(b, uint64(m.Network))
		b = appendTime(b, m.Created)
		if flags&flagSameTime == 0 {
			b = appendTime(b, m.Changed)
		}
		b = binary.AppendUvarint(b, m.MemberID)
		b = appendString(b, m.DisplayName)
	}
	return b
}

func decodeAddress(email string, v []byte) (*address, error) {
	d := &decoder{b: v}
	a := &address{}
	if id := d.bytes(); len(id) > 0 {
		if len(id) != 16 {
			d.fail()
		}
		a.contact = append([]byte(nil), id...)
	}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		m := &Member{Email: email}
		m.Role = int(d.byte())
		flags := d.byte()
		m.Deleted = flags&flagDeleted != 0
		m.Network = int(d.uvarint())
		m.Created = d.time()
		m.Changed = m.Created
		if flags&flagSameTime == 0 {
			m.Changed = d.time()
		}
		m.MemberID = d.uvarint()
		m.DisplayName = d.string()
		a.roles = append(a.roles, m)
	}
	if d.err != nil {
		return nil, fmt.Errorf("address %s: %w", email, d.err)
	}
	return a, nil
}

// bookMeta is an owner's per-book record: the live contacts holding an
// e-mail (the MaxContacts count, kept so adding a contact reads one record)
// and when the book last changed.
type bookMeta struct {
	contacts   uint64
	lastChange time.Time
}

func encodeBookMeta(m bookMeta) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 16), m.contacts)
	return appendTime(b, m.lastChange)
}

func decodeBookMeta(v []byte) (bookMeta, error) {
	d := &decoder{b: v}
	m := bookMeta{contacts: d.uvarint(), lastChange: d.time()}
	return m, d.err
}

package store

import (
	"fmt"
	"strings"
)

// Contact details the address-book service keeps beside a contact (names,
// phones, postal addresses, web sites the client typed into the contact's
// properties). The store treats them as an opaque blob owned by the caller;
// they live in their own sub-bucket of the book, created on first write, so
// no migration is needed.

var subContactDetails = []byte("contacts.details")

// MaxContactDetails bounds one contact's details blob.
const MaxContactDetails = 16 * 1024

// ContactDetails returns the details blob kept for contact id (nil if none).
func (b *Books) ContactDetails(owner *Account, id string) ([]byte, error) {
	bk, err := b.book(owner)
	if err != nil || bk == nil {
		return nil, err
	}
	d := bk.Bucket(subContactDetails)
	if d == nil {
		return nil, nil
	}
	v := d.Get([]byte(strings.ToLower(id)))
	if v == nil {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

// PutContactDetails stores the details blob for contact id; an empty blob
// removes it. ErrLimitReached past MaxContactDetails.
func (b *Books) PutContactDetails(owner *Account, id string, data []byte) error {
	if len(data) > MaxContactDetails {
		return fmt.Errorf("contact details of %d bytes: %w", len(data), ErrLimitReached)
	}
	bk, err := b.book(owner)
	if err != nil {
		return err
	}
	key := []byte(strings.ToLower(id))
	if len(data) == 0 {
		if d := bk.Bucket(subContactDetails); d != nil {
			return d.Delete(key)
		}
		return nil
	}
	d, err := bk.CreateBucketIfNotExists(subContactDetails)
	if err != nil {
		return err
	}
	return d.Put(key, data)
}

package store

import (
	"fmt"
	"strings"
)

// Contact details the address-book service keeps beside a contact (names,
// phones, postal addresses, web sites the client typed into the contact's
// properties). The store treats them as an opaque blob owned by the caller,
// kept in book.details under owner|contact id.

// MaxContactDetails bounds one contact's details blob.
const MaxContactDetails = 16 * 1024

// ContactDetails returns the details blob kept for contact id (nil if none).
func (b *Books) ContactDetails(owner *Account, id string) ([]byte, error) {
	v := b.tx.Bucket(bucketBookDetails).Get(ownerKey(owner.ID, []byte(strings.ToLower(id))))
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
	key := ownerKey(owner.ID, []byte(strings.ToLower(id)))
	if len(data) == 0 {
		return b.tx.Bucket(bucketBookDetails).Delete(key)
	}
	return b.tx.Bucket(bucketBookDetails).Put(key, data)
}

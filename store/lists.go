package store

import (
	"errors"
	"fmt"
	"strings"
)

// The list operations below keep both sides consistent in one transaction:
// putting someone on your forward list puts you on their reverse list (and
// pending list, unless they already allowed or blocked you). Both the
// address-book service and the notification server's ADL/RML use them.

// ListChange reports what an operation changed, so callers can notify.
type ListChange struct {
	Changed        bool     // the owner's own list changed
	ReverseAdded   *Account // the contact whose reverse list gained the owner
	ReverseRemoved *Account // the contact whose reverse list lost the owner
}

// AddForward puts email on owner's forward list: it creates (or revives) the
// address-book contact as a Messenger user and updates the contact's RL/PL.
// The contact must be an account of the given network (ErrNotFound otherwise).
func (b *Books) AddForward(owner *Account, email string, network int, nickname string) (*Contact, ListChange, error) {
	var ch ListChange
	email = strings.ToLower(email)
	other, err := b.Account(email)
	if err != nil || (network != 0 && other.Network != network) {
		return nil, ch, fmt.Errorf("account %s on network %d: %w", email, network, ErrNotFound)
	}
	c, err := b.ContactByEmail(owner, email)
	switch {
	case errors.Is(err, ErrNotFound):
		c = &Contact{Email: email, Network: other.Network, Nickname: nickname, IsMessengerUser: true}
		if err := b.PutContact(owner, c); err != nil {
			return nil, ch, err
		}
		ch.Changed = true
	case err != nil:
		return nil, ch, err
	case !c.IsMessengerUser:
		c.IsMessengerUser = true
		if err := b.PutContact(owner, c); err != nil {
			return nil, ch, err
		}
		ch.Changed = true
	}
	added, err := b.SetRole(other, owner.Email, owner.Network, ListReverse, true)
	if err != nil {
		return nil, ch, err
	}
	if added {
		ch.ReverseAdded = other
		roles, err := b.Roles(other, owner.Email)
		if err != nil {
			return nil, ch, err
		}
		if roles&(ListAllow|ListBlock) == 0 {
			if _, err := b.SetRole(other, owner.Email, owner.Network, ListPending, true); err != nil {
				return nil, ch, err
			}
		}
	}
	return c, ch, nil
}

// RemoveForward takes email off owner's forward list. With deleteContact the
// address-book entry goes too (ABContactDelete); otherwise it stays as a
// non-Messenger contact (RML of FL). The contact's RL/PL lose the owner.
func (b *Books) RemoveForward(owner *Account, email string, deleteContact bool) (ListChange, error) {
	var ch ListChange
	email = strings.ToLower(email)
	c, err := b.ContactByEmail(owner, email)
	if err == nil && (c.IsMessengerUser || deleteContact) {
		c.IsMessengerUser = false
		c.Deleted = deleteContact
		if err := b.PutContact(owner, c); err != nil {
			return ch, err
		}
		ch.Changed = true
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return ch, err
	}
	other, err := b.Account(email)
	if err != nil {
		return ch, nil // the contact's account is gone; nothing to update there
	}
	removed, err := b.SetRole(other, owner.Email, 0, ListReverse, false)
	if err != nil {
		return ch, err
	}
	if _, err := b.SetRole(other, owner.Email, 0, ListPending, false); err != nil {
		return ch, err
	}
	if removed {
		ch.ReverseRemoved = other
	}
	return ch, nil
}

// SetMembership adds or removes owner's Allow/Block/Pending membership for
// email. Answering a pending request (adding Allow or Block) clears Pending.
func (b *Books) SetMembership(owner *Account, email string, network int, role int, on bool) (bool, error) {
	if role == ListReverse {
		return false, fmt.Errorf("the reverse list is kept by the server: %w", ErrInvalid)
	}
	changed, err := b.SetRole(owner, email, network, role, on)
	if err != nil {
		return false, err
	}
	if on && (role == ListAllow || role == ListBlock) {
		if _, err := b.SetRole(owner, email, network, ListPending, false); err != nil {
			return false, err
		}
	}
	return changed, nil
}

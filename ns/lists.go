package ns

import (
	"errors"

	"msnserver/ns/hub"
	"msnserver/ns/wire"
	"msnserver/store"
)

// handleBLP stores the privacy mode for people on neither AL nor BL and
// tells watchers whose view changed (ns-presence-lists.md §2).
func (c *conn) handleBLP(cmd *wire.Command) error {
	if len(cmd.Args) != 1 || (cmd.Args[0] != "AL" && cmd.Args[0] != "BL") {
		return wire.Fatal(wire.ErrInvalidParameter, "BLP takes AL or BL")
	}
	mode := cmd.Args[0]
	if c.acct.Privacy() != mode {
		acct, err := c.srv.store.UpdateAccount(c.acct.Email, func(a *store.Account) error { a.BLP = mode; return nil })
		if err != nil {
			return err
		}
		c.acct = acct
	}
	c.sendLine("BLP", cmd.TrID, mode)
	c.srv.hub.PrivacyChanged(c.acct.Email)
	return nil
}

// handleADL takes the initial list (l="1": the session FL, nothing stored)
// or an incremental change (stored idempotently, then pushed).
func (c *conn) handleADL(cmd *wire.Command) error {
	ml, err := wire.ParseML(cmd.Payload, wire.MLAdd)
	if err != nil {
		return err
	}
	if ml.Initial {
		return c.initialADL(cmd, ml)
	}
	// Validate everything before applying anything.
	for _, e := range ml.Contacts {
		if e.Network == store.NetworkMSN || e.Network == store.NetworkYahoo {
			a, err := c.srv.store.AccountByEmail(e.Email)
			if err != nil || a.Network != e.Network {
				return wire.Err(wire.ErrInvalidUser, "no such account on that network")
			}
		}
		if e.Email == c.acct.Email {
			return wire.Err(wire.ErrInvalidUser, "cannot list yourself")
		}
	}
	if len(ml.Contacts)+c.forwardCount() > c.srv.opts.MaxContacts {
		return wire.Err(wire.ErrListFull, "forward list full")
	}
	var forward []hub.ForwardEntry
	var reverse []store.ListChange
	privacy := false
	err = c.srv.store.UpdateBooks(func(b *store.Books) error {
		reverse, privacy, forward = nil, false, nil
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		for _, e := range ml.Contacts {
			if e.Network != store.NetworkMSN && e.Network != store.NetworkYahoo {
				continue // phones, federated: no presence here
			}
			if e.Lists&store.ListForward != 0 {
				_, ch, err := b.AddForward(owner, e.Email, e.Network, "")
				if err != nil {
					return err
				}
				reverse = append(reverse, ch)
				forward = append(forward, hub.ForwardEntry{Email: e.Email, Network: e.Network})
			}
			for _, role := range []int{store.ListAllow, store.ListBlock} {
				if e.Lists&role != 0 {
					if _, err := b.SetMembership(owner, e.Email, e.Network, role, true); err != nil {
						return err
					}
					privacy = true
				}
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrLimitReached) {
		return wire.Err(wire.ErrListFull, "address book full")
	}
	if err != nil {
		return err
	}
	c.sendLine("ADL", cmd.TrID, "OK")
	c.notifyReverse(reverse)
	if privacy {
		c.srv.hub.PrivacyChanged(c.acct.Email)
	}
	if len(forward) > 0 {
		c.sess.AddForward(cmd.TrID, forward)
	}
	return nil
}

// initialADL fills the session FL from the client's list, keeping only the
// contacts the stored forward list holds (the server owns the lists): made-up
// contacts are acknowledged but never watched, so however many initial ADLs a
// session sends, its FL stays within the stored list (store.MaxContacts).
func (c *conn) initialADL(cmd *wire.Command, ml *wire.ML) error {
	if len(ml.Contacts) > c.srv.opts.MaxContacts {
		return wire.Err(wire.ErrListFull, "forward list full")
	}
	_, stored, err := c.srv.store.Lists(c.acct.Email)
	if err != nil {
		return err
	}
	var forward []hub.ForwardEntry
	for _, e := range ml.Contacts {
		if e.Lists&store.ListForward == 0 || (e.Network != store.NetworkMSN && e.Network != store.NetworkYahoo) || e.Email == c.acct.Email {
			continue
		}
		if _, ok := stored.Forward[e.Email]; ok {
			forward = append(forward, hub.ForwardEntry{Email: e.Email, Network: e.Network})
		}
	}
	c.sendLine("ADL", cmd.TrID, "OK")
	c.sess.AddForward(cmd.TrID, forward)
	return nil
}

func (c *conn) forwardCount() int {
	_, l, err := c.srv.store.Lists(c.acct.Email)
	if err != nil {
		return 0
	}
	return len(l.Forward)
}

func (c *conn) notifyReverse(changes []store.ListChange) {
	for _, ch := range changes {
		if ch.ReverseAdded != nil {
			c.srv.hub.ReverseAdded(ch.ReverseAdded.Email, c.acct.Email, c.acct.Network, c.sess.Name())
		}
		if ch.ReverseRemoved != nil {
			c.srv.hub.ReverseRemoved(ch.ReverseRemoved.Email, c.acct.Email, c.acct.Network)
		}
	}
}

// handleRML removes from the session lists and, idempotently, from the store
// (OK even when absent, as WLM often deletes through SOAP first).
func (c *conn) handleRML(cmd *wire.Command) error {
	ml, err := wire.ParseML(cmd.Payload, wire.MLRemove)
	if err != nil {
		return err
	}
	var gone []string
	var reverse []store.ListChange
	privacy := false
	err = c.srv.store.UpdateBooks(func(b *store.Books) error {
		gone, reverse, privacy = nil, nil, false
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		for _, e := range ml.Contacts {
			if e.Lists&store.ListForward != 0 {
				ch, err := b.RemoveForward(owner, e.Email, false)
				if err != nil {
					return err
				}
				reverse = append(reverse, ch)
				gone = append(gone, e.Email)
			}
			for _, role := range []int{store.ListAllow, store.ListBlock} {
				if e.Lists&role != 0 {
					if _, err := b.SetMembership(owner, e.Email, e.Network, role, false); err != nil {
						return err
					}
					privacy = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.sendLine("RML", cmd.TrID, "OK")
	if len(gone) > 0 {
		c.sess.RemoveForward(gone)
	}
	c.notifyReverse(reverse)
	if privacy {
		c.srv.hub.PrivacyChanged(c.acct.Email)
	}
	return nil
}

// handleFQY answers which network each address is on (32 for this server's
// Yahoo! accounts); unknown addresses are left out, none known → 208.
func (c *conn) handleFQY(cmd *wire.Command) error {
	ml, err := wire.ParseML(cmd.Payload, wire.MLQuery)
	if err != nil {
		return err
	}
	var found []wire.MLEntry
	for _, e := range ml.Contacts {
		a, err := c.srv.store.AccountByEmail(e.Email)
		if err != nil {
			continue
		}
		found = append(found, wire.MLEntry{Email: a.Email, Network: a.Network})
	}
	if len(found) == 0 {
		return wire.Err(wire.ErrInvalidUser, "no such account")
	}
	c.send(wire.Payload(wire.EncodeML(found), "FQY", cmd.TrID))
	return nil
}

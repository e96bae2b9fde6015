package ns

import (
	"strconv"

	"msnserver/ns/challenge"
	"msnserver/ns/wire"
	"msnserver/store"
)

var validStatus = map[string]bool{"NLN": true, "BSY": true, "IDL": true, "BRB": true, "AWY": true, "PHN": true, "LUN": true, "HDN": true}

// handleCHG sets status, capabilities and MSNObject, echoing the arguments
// exactly. The first CHG makes the user visible (ILN for its contacts, NLN to
// watchers) and is followed by the mail-data notification and a challenge.
func (c *conn) handleCHG(cmd *wire.Command) error {
	if len(cmd.Args) < 1 || len(cmd.Args) > 3 || !validStatus[cmd.Args[0]] {
		return wire.Err(wire.ErrInvalidParameter, "bad status")
	}
	caps, obj := "", ""
	if len(cmd.Args) > 1 {
		if _, err := strconv.ParseUint(cmd.Args[1], 10, 32); err != nil {
			return wire.Err(wire.ErrInvalidParameter, "bad capabilities")
		}
		caps = cmd.Args[1]
	}
	if len(cmd.Args) > 2 && cmd.Args[2] != "0" {
		obj = cmd.Args[2]
	}
	first := !c.sess.HasStatus()
	c.send(wire.Line(append([]string{"CHG", cmd.TrID}, cmd.Args...)...))
	c.sess.SetStatus(cmd.TrID, cmd.Args[0], caps, obj)
	if first {
		if c.srv.opts.MailData != nil {
			if md := c.srv.opts.MailData(c.acct.Email); md != nil {
				c.send(md)
			}
		}
		if c.srv.opts.Challenge {
			c.challenge = challenge.NewChallenge()
			c.sendLine("CHL", "0", c.challenge)
		}
	}
	return nil
}

// handlePRP sets a personal property: MFN (friendly name, stored and pushed)
// or the phone numbers.
func (c *conn) handlePRP(cmd *wire.Command) error {
	if len(cmd.Args) < 1 {
		return wire.Err(wire.ErrSyntax, "PRP needs a property")
	}
	key, value := cmd.Args[0], ""
	if len(cmd.Args) > 1 {
		value = cmd.Args[1]
	}
	switch key {
	case "MFN":
		name, err := wire.DecodeName(value)
		if err != nil || name == "" {
			return wire.Err(wire.ErrInvalidParameter, "bad friendly name")
		}
		if name != c.acct.Name {
			acct, err := c.srv.store.UpdateAccount(c.acct.Email, func(a *store.Account) error { a.Name = name; return nil })
			if err != nil {
				return err
			}
			c.acct = acct
		}
		c.send(wire.Line("PRP", cmd.TrID, "MFN", value))
		c.sess.SetName(name)
	case "PHH", "PHW", "PHM", "MOB", "MBE", "WWE", "HSB":
		if len(value) > 95 {
			return wire.Err(wire.ErrInvalidParameter, "value too long")
		}
		if c.acct.Phones[key] != value {
			acct, err := c.srv.store.UpdateAccount(c.acct.Email, func(a *store.Account) error {
				if a.Phones == nil {
					a.Phones = map[string]string{}
				}
				if value == "" {
					delete(a.Phones, key)
				} else {
					a.Phones[key] = value
				}
				return nil
			})
			if err != nil {
				return err
			}
			c.acct = acct
		}
		c.send(wire.Line(append([]string{"PRP", cmd.TrID}, cmd.Args...)...))
	default:
		return wire.Err(wire.ErrUnknownProperty, "unknown property")
	}
	return nil
}

// MaxUUX bounds a UUX payload (ns-presence-lists.md §8: reject over 4 KiB).
const MaxUUX = 4096

// handleUUX merges the document into the user's personal data (fields it
// leaves out keep their values), stores the personal message and relays the
// merged document as UBX to the watchers who see the user.
func (c *conn) handleUUX(cmd *wire.Command) error {
	if len(cmd.Payload) > MaxUUX {
		return wire.Fatal(wire.ErrInvalidParameter, "UUX over 4 KiB")
	}
	p := c.currentPersonal()
	if len(cmd.Payload) > 0 {
		if err := p.merge(cmd.Payload); err != nil {
			return wire.Fatal(wire.ErrInvalidParameter, err.Error())
		}
	}
	psm := p.psm()
	if psm != c.acct.PSM {
		acct, err := c.srv.store.UpdateAccount(c.acct.Email, func(a *store.Account) error { a.PSM = psm; return nil })
		if err != nil {
			return err
		}
		c.acct = acct
	}
	c.sendLine("UUX", cmd.TrID, "0")
	if len(cmd.Payload) > 0 {
		c.sess.SetPersonal(p.document())
	}
	return nil
}

// currentPersonal rebuilds the user's personal document from the one
// watchers see (the hub's copy): an idle connection keeps no second copy of
// it, and UUX is rare enough to parse it again.
func (c *conn) currentPersonal() *personal {
	p := newPersonal(c.acct.PSM)
	if doc := c.sess.Personal(); len(doc) > 0 {
		p.merge(doc) // written by document(): it parses
	}
	return p
}

// handleQRY checks the answer to our CHL; a wrong one gets 540 and a close.
// An answer from a product whose key the server does not know cannot be
// checked; that is no fault of the client, so it is logged and accepted
// (ns-login §11.2: Messenger 8.1 was thrown out that way).
func (c *conn) handleQRY(cmd *wire.Command) error {
	if len(cmd.Args) != 1 {
		return wire.Fatal(wire.ErrChallengeFailed, "QRY needs a product id")
	}
	pending, product := c.challenge, cmd.Args[0]
	c.challenge = ""
	switch {
	case pending == "":
		c.log.Info("challenge failed: QRY without a CHL", "product", product)
		return wire.Fatal(wire.ErrChallengeFailed, "QRY without a challenge")
	case !challenge.Known(product):
		c.log.Warn("challenge answer from an unknown product accepted unchecked", "product", product)
	case !challenge.Verify(pending, product, string(cmd.Payload)):
		c.log.Info("challenge failed", "product", product)
		return wire.Fatal(wire.ErrChallengeFailed, "wrong challenge answer")
	}
	c.sendLine("QRY", cmd.TrID)
	return nil
}

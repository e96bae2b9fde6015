package ymsg

import (
	"errors"
	"strings"

	"msnserver/ns/hub"
	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// ADDBUDDY results (key 66, ymsg.md §9.1).
const (
	addOK      = 0
	addFailed  = 1
	addNoUser  = 3
	addTooMany = 6
)

// groupID finds (or with create, makes) the live group called name; ""
// for the no-group name.
func groupID(b *store.Books, owner *store.Account, name string, create bool) (string, error) {
	if name == "" || name == noGroup {
		return "", nil
	}
	gs, err := b.Groups(owner)
	if err != nil {
		return "", err
	}
	for _, g := range gs {
		if !g.Deleted && strings.EqualFold(g.Name, name) {
			return g.ID, nil
		}
	}
	if !create {
		return "", store.ErrNotFound
	}
	g := &store.Group{Name: name}
	if err := b.PutGroup(owner, g); err != nil {
		return "", err
	}
	return g.ID, nil
}

// handleAddBuddy puts a buddy on the list in a group: the forward list
// (their reverse list gains this user, and they are asked), and the allow
// list, since adding someone lets them see you (§15.6).
func (c *conn) handleAddBuddy(p *packet.Packet) error {
	var id, fed string
	if v, ok := p.Get(7); ok {
		id, fed = v, p.Value(241)
	}
	group := truncate(strings.TrimSpace(p.Value(65)), 61)
	reply := func(code int) {
		r := packet.New(packet.SvcAddBuddy, packet.StatusServerAck, 0, 1, c.yid, 7, id, 65, group, 66, code)
		if fed == "2" {
			r.Add(241, 2)
		}
		c.send(r)
	}
	email, net, ok := resolve(id, fed)
	if !ok || email == c.acct.Email {
		reply(addNoUser)
		return nil
	}
	var ch store.ListChange
	err := c.srv.store.UpdateBooks(func(b *store.Books) error {
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		ct, change, err := b.AddForward(owner, email, net, "")
		if err != nil {
			return err
		}
		ch = change
		gid, err := groupID(b, owner, group, true)
		if err != nil {
			return err
		}
		if gid != "" && !contains(ct.Groups, gid) {
			ct.Groups = append(ct.Groups, gid)
			if err := b.PutContact(owner, ct); err != nil {
				return err
			}
		}
		_, err = b.SetMembership(owner, email, net, store.ListAllow, true)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		reply(addNoUser)
		return nil
	case errors.Is(err, store.ErrLimitReached):
		reply(addTooMany)
		return nil
	case err != nil:
		c.log.Error("add buddy", "buddy", email, "err", err)
		reply(addFailed)
		return nil
	}
	reply(addOK)
	c.srv.hub.PrivacyChanged(c.acct.Email)
	// Watch the buddy before asking them: one who allows at once must find
	// this user among their watchers, or the status that follows the
	// answer would come only after it.
	c.sess.AddForward("0", []hub.ForwardEntry{{Email: email, Network: net}})
	if ch.ReverseAdded != nil {
		c.srv.hub.ReverseAdded(ch.ReverseAdded.Email, c.acct.Email, c.acct.Network, c.acct.Name)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// handleRemBuddy takes a buddy out of one group; out of the last group, off
// the list (their reverse list loses this user).
func (c *conn) handleRemBuddy(p *packet.Packet) error {
	id, fed, group := p.Value(7), p.Value(241), p.Value(65)
	reply := packet.New(packet.SvcRemBuddy, packet.StatusServerAck, 0, 1, c.yid, 7, id, 65, group, 66, 0)
	email, _, ok := resolve(id, fed)
	if !ok {
		reply.Pairs[len(reply.Pairs)-1].Value = "3"
		c.send(reply)
		return nil
	}
	var ch store.ListChange
	removed := false
	err := c.srv.store.UpdateBooks(func(b *store.Books) error {
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		ct, err := b.ContactByEmail(owner, email)
		if err != nil {
			return err
		}
		gid, _ := groupID(b, owner, group, false)
		var keep []string
		for _, g := range ct.Groups {
			if g != gid {
				if _, err := b.Group(owner, g); err == nil {
					keep = append(keep, g)
				}
			}
		}
		if len(keep) > 0 {
			ct.Groups = keep
			return b.PutContact(owner, ct)
		}
		removed = true
		ch, err = b.RemoveForward(owner, email, true)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.log.Error("remove buddy", "buddy", email, "err", err)
		reply.Pairs[len(reply.Pairs)-1].Value = "1"
	}
	c.send(reply)
	if removed {
		c.sess.RemoveForward([]string{email})
		c.mu.Lock()
		delete(c.peers, email)
		c.mu.Unlock()
		if ch.ReverseRemoved != nil {
			c.srv.hub.ReverseRemoved(ch.ReverseRemoved.Email, c.acct.Email, c.acct.Network)
		}
	}
	return nil
}

// handleIgnore: 13=1 ignore (block list), 13=2 unignore (§9.4). A listed
// buddy may be ignored, as MSN allows, so 66=12 is never sent.
func (c *conn) handleIgnore(p *packet.Packet) error {
	id, fed, op := p.Value(7), p.Value(241), p.Value(13)
	reply := func(code int) {
		r := packet.New(packet.SvcIgnore, packet.StatusServerAck, 0, 0, id, 1, c.yid, 7, id, 13, op, 66, code)
		c.send(r)
	}
	email, net, ok := resolve(id, fed)
	if !ok || (op != "1" && op != "2") {
		reply(3)
		return nil
	}
	if _, err := c.srv.store.AccountByEmail(email); err != nil {
		reply(3)
		return nil
	}
	on := op == "1"
	err := c.srv.store.UpdateBooks(func(b *store.Books) error {
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		_, err = b.SetMembership(owner, email, net, store.ListBlock, on)
		return err
	})
	if err != nil {
		c.log.Error("ignore", "who", email, "err", err)
		reply(1)
		return nil
	}
	reply(0)
	c.srv.hub.PrivacyChanged(c.acct.Email)
	return nil
}

// handleAuthReq is the user's answer to "X wants to add you": 13=1 allows
// X to see this user, 13=2 refuses (block list). A requester signed in on
// this front is told the result (§9.2).
func (c *conn) handleAuthReq(p *packet.Packet) error {
	id, fed, answer := p.Value(5), p.Value(241), p.Value(13)
	email, net, ok := resolve(id, fed)
	if !ok || (answer != "1" && answer != "2") {
		return nil
	}
	role := store.ListAllow
	if answer == "2" {
		role = store.ListBlock
	}
	err := c.srv.store.UpdateBooks(func(b *store.Books) error {
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		if _, err := b.Account(email); err != nil {
			return err
		}
		_, err = b.SetMembership(owner, email, net, role, true)
		return err
	})
	if err != nil {
		c.log.Info("authorization answer", "who", email, "err", err)
		return nil
	}
	c.srv.hub.PrivacyChanged(c.acct.Email)
	if s := c.srv.hub.Lookup(email); s != nil {
		if ys, ok := s.Out.(*sender); ok {
			r := packet.New(packet.SvcAuthReq, packet.StatusServerAck, 0, 4, c.yahooName(), 5, ys.c.yid, 13, answer)
			if msg := p.Value(14); msg != "" && answer == "2" {
				r.Add(14, truncate(msg, 255))
			}
			ys.c.send(r)
		}
	}
	return nil
}

// handleGroupRename: 65 old name, 67 new name.
func (c *conn) handleGroupRename(p *packet.Packet) error {
	old, name := p.Value(65), truncate(strings.TrimSpace(p.Value(67)), 61)
	code := 0
	err := c.srv.store.UpdateBooks(func(b *store.Books) error {
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		gid, err := groupID(b, owner, old, false)
		if err != nil || gid == "" || name == "" || name == noGroup {
			return store.ErrNotFound
		}
		g, err := b.Group(owner, gid)
		if err != nil {
			return err
		}
		g.Name = name
		return b.PutGroup(owner, g)
	})
	if err != nil {
		code = 1
	}
	c.send(packet.New(packet.SvcGroupRename, packet.StatusServerAck, 0, 1, c.yid, 66, code, 67, name, 65, old))
	return nil
}

// handleChangeGroup moves a buddy: 224 old group, 264 new group.
func (c *conn) handleChangeGroup(p *packet.Packet) error {
	id, fed, from, to := p.Value(7), p.Value(241), p.Value(224), truncate(strings.TrimSpace(p.Value(264)), 61)
	code := 0
	email, _, ok := resolve(id, fed)
	err := c.srv.store.UpdateBooks(func(b *store.Books) error {
		if !ok {
			return store.ErrNotFound
		}
		owner, err := b.Account(c.acct.Email)
		if err != nil {
			return err
		}
		ct, err := b.ContactByEmail(owner, email)
		if err != nil {
			return err
		}
		oldID, _ := groupID(b, owner, from, false)
		newID, err := groupID(b, owner, to, true)
		if err != nil {
			return err
		}
		var gs []string
		for _, g := range ct.Groups {
			if g != oldID && g != newID {
				gs = append(gs, g)
			}
		}
		if newID != "" {
			gs = append(gs, newID)
		}
		ct.Groups = gs
		return b.PutContact(owner, ct)
	})
	if err != nil {
		code = 1
	}
	r := packet.New(packet.SvcChangeGroup, packet.StatusServerAck, 0, 1, c.yid, 302, 240, 300, 240, 7, id)
	if fed == "2" {
		r.Add(241, 2)
	}
	r.Add(224, from, 264, to, 66, code, 301, 240, 303, 240)
	c.send(r)
	return nil
}

func (c *conn) handleLogoff(p *packet.Packet) error { return errClose }

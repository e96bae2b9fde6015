package sb

import (
	"errors"
	"fmt"
	"strings"

	"msnserver/ns/hub"
	"msnserver/ns/wire"
	"msnserver/store"
)

// handleUSR: USR trid handle cookie → USR trid OK handle name. The cookie is
// the one XFR SB handed out; a new session starts with the caller alone
// (switchboard.md §3).
func (c *conn) handleUSR(cmd *wire.Command) error {
	if len(cmd.Args) < 2 {
		return wire.Fatal(wire.ErrSyntax, "USR needs a handle and a cookie")
	}
	email, cookie := strings.ToLower(cmd.Args[0]), cmd.Args[1]
	ck, ok := c.srv.hub.RedeemCookie(cookie, email)
	if !ok || ck.SessionID != "" {
		return wire.Fatal(wire.ErrAuthFailed, "unknown, used, expired or RNG cookie on USR")
	}
	if err := c.signIn(email); err != nil {
		return err
	}
	sess := c.srv.newSession()
	sess.start(c)
	c.enter(sess)
	c.q.Send(wire.Line("USR", cmd.TrID, "OK", c.email, wire.EncodeName(c.user.Name())))
	c.log.Debug("switchboard session started")
	return nil
}

// handleANS: ANS trid handle cookie session-id → IRO… and ANS trid OK; the
// members present get JOI (switchboard.md §6).
func (c *conn) handleANS(cmd *wire.Command) error {
	if len(cmd.Args) < 3 {
		return wire.Fatal(wire.ErrSyntax, "ANS needs a handle, a cookie and a session id")
	}
	email, cookie, id := strings.ToLower(cmd.Args[0]), cmd.Args[1], cmd.Args[2]
	ck, ok := c.srv.hub.RedeemCookie(cookie, email)
	if !ok || ck.SessionID != id {
		return wire.Fatal(wire.ErrAuthFailed, "unknown, used, expired or foreign cookie on ANS")
	}
	sess := c.srv.lookupSession(id)
	if sess == nil {
		return wire.Fatal(wire.ErrAuthFailed, "session "+id+" has ended")
	}
	if err := c.signIn(email); err != nil {
		return err
	}
	if err := sess.join(c, cmd.TrID); err != nil {
		c.user.AddSwitchboards(-1)
		return wire.Fatal(wire.ErrAuthFailed, fmt.Sprintf("join session %s: %v", id, err))
	}
	c.enter(sess)
	c.log.Debug("switchboard session joined")
	return nil
}

// signIn binds the connection to email's notification-server session and
// counts it against the per-user session limit.
func (c *conn) signIn(email string) error {
	u := c.srv.hub.Lookup(email)
	if u == nil {
		return wire.Fatal(wire.ErrAuthFailed, "not signed in to the notification server")
	}
	u.AddSwitchboards(1)
	if u.SwitchboardCount() > c.srv.opts.MaxSessionsPerUser {
		u.AddSwitchboards(-1)
		return wire.Fatal(wire.ErrTooRapid, "too many switchboard sessions")
	}
	c.email, c.user = u.Email, u
	return nil
}

// handleCAL: CAL trid handle → CAL trid RINGING session-id, and RNG on the
// callee's NS connection (switchboard.md §4).
func (c *conn) handleCAL(cmd *wire.Command) error {
	if len(cmd.Args) < 1 {
		return wire.Fatal(wire.ErrSyntax, "CAL needs a handle")
	}
	if !c.srv.calls.Allow(c.email) {
		return wire.Err(wire.ErrTooRapid, "calling too rapidly")
	}
	callee, err := store.NormalizeEmail(cmd.Args[0])
	if err != nil {
		return wire.Err(wire.ErrInvalidUser, "not an e-mail address")
	}
	if callee == c.email || c.sess.has(callee) {
		return wire.Err(wire.ErrAlreadyInSession, "already in the session")
	}
	if c.sess.size() >= c.srv.opts.MaxMembers {
		return wire.Err(wire.ErrPrincipalOffline, "session is full")
	}
	u := c.srv.hub.Lookup(callee)
	if u == nil {
		_, err := c.srv.hub.Store().AccountByEmail(callee)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return wire.Err(wire.ErrInvalidUser, "no such account")
		case err != nil:
			return fmt.Errorf("CAL %s: %w", callee, err)
		}
		return wire.Err(wire.ErrPrincipalOffline, "offline")
	}
	// A network-32 account calling an MSN user: that user's client sees a
	// Yahoo contact and never joins a switchboard, so it joins virtually
	// and talks through UBM/UUM (yahoo.go, ns-presence-lists.md §9.4).
	if c.user.Network == store.NetworkYahoo && u.Network != store.NetworkYahoo {
		return c.callBridged(cmd, u)
	}
	// A network-32 account is reached through UUM on the NS, never rung
	// into a switchboard (switchboard.md §4); two network-32 accounts see
	// each other as Yahoo contacts and use UUM too.
	if u.Network == store.NetworkYahoo || c.user.Network == store.NetworkYahoo {
		return wire.Err(wire.ErrPrincipalOffline, "network-32 account")
	}
	if !u.Reachable(c.email) {
		return wire.Err(wire.ErrPrincipalOffline, "hidden or not accepting the caller")
	}
	// RINGING is queued before the RNG goes out, so the caller never sees
	// the callee's JOI ahead of it.
	c.q.Send(wire.Line("CAL", cmd.TrID, "RINGING", c.sess.id))
	if err := c.srv.hub.Ring(callee, c.sess.id, c.email, c.user.Name()); err != nil {
		// The callee went away a moment ago; like an unanswered ring, the
		// caller is not told (switchboard.md §4).
		if !errors.Is(err, hub.ErrOffline) {
			c.log.Warn("ring", "callee", callee, "err", err)
		}
	}
	return nil
}

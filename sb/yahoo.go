package sb

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/wire"
)

// The Yahoo bridge (ns-presence-lists.md §9.4). A network-32 account of this
// server signs in with a Messenger client that sees MSN users as network-1
// contacts and talks to them in switchboards, while the MSN users' clients
// see it as a Yahoo contact and use UUM/UBM on the NS. The bridge joins the
// two: the MSN user is a virtual member of the network-32 user's session,
// present in IRO/JOI but without a connection.
//
//   - The network-32 user CALs an MSN user: RINGING, and JOI at once without
//     ringing anyone (callBridged). Its MSGs go to the MSN user as
//     "UBM yahoo-email 32 type len" (bridgeMSG).
//   - An MSN user's UUM to a network-32 user goes into their bridged
//     session as "MSG msn-email name len" (DeliverToYahoo). Without one, a
//     session is opened with the MSN user as virtual member and the
//     network-32 user is rung; the messages wait for its ANS (startRing).
//     If it does not answer in time they go out as UBM after all (expireRing).
//
// Sessions are found by their (network-32 user, MSN user) pair in the
// bridge index; the newest session of a pair wins.

// virtual is an MSN user present in a session through the NS only.
type virtual struct {
	email string
	user  *hub.Session // the NS session it joined with; Disconnect matches it
}

// pair names a bridged conversation.
type pair struct{ yahoo, msn string }

// ring is a bridged session waiting for the network-32 callee's ANS.
type ring struct {
	from  *virtual
	to    string // the network-32 callee
	queue []queued
	timer *time.Timer
}

// queued is a UUM waiting for the ANS.
type queued struct {
	kind    string
	payload []byte
}

// bridge is the index of bridged sessions. Its lock is a leaf: it may be
// taken while holding a session's lock, and nothing is taken under it.
type bridge struct {
	mu      sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	pairs   map[pair]*session
	cooling map[pair]time.Time // ring gave up: UBM until then
	prune   int                // sweep cooling when it reaches this size
}

// find returns the pair's session, or nil and whether the pair is cooling
// down after a ring that gave up.
func (b *bridge) find(p pair, now time.Time) (*session, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if sess := b.pairs[p]; sess != nil {
		return sess, false
	}
	until, ok := b.cooling[p]
	if ok && !now.Before(until) {
		delete(b.cooling, p)
		ok = false
	}
	return nil, ok
}

// put makes sess the pair's session.
func (b *bridge) put(p pair, sess *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pairs == nil {
		b.pairs = map[pair]*session{}
	}
	b.pairs[p] = sess
	sess.keys = append(sess.keys, p)
}

// forget removes the pair's entry if it still names sess.
func (b *bridge) forget(p pair, sess *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.forgetLocked(p, sess)
}

func (b *bridge) forgetLocked(p pair, sess *session) {
	if b.pairs[p] == sess {
		delete(b.pairs, p)
	}
}

// forgetSession removes every entry naming sess (it ended).
func (b *bridge) forgetSession(sess *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range sess.keys {
		b.forgetLocked(p, sess)
	}
	sess.keys = nil
}

// giveUp forgets the pair's ringing session and cools the pair down.
func (b *bridge) giveUp(p pair, sess *session, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.forgetLocked(p, sess)
	if b.cooling == nil {
		b.cooling = map[pair]time.Time{}
	}
	// Sweep only when the map has doubled since the last sweep: O(1) amortised.
	if len(b.cooling) >= max(b.prune, 64) {
		now := time.Now()
		for k, t := range b.cooling {
			if !now.Before(t) {
				delete(b.cooling, k)
			}
		}
		b.prune = 2 * len(b.cooling)
	}
	b.cooling[p] = until
}

// DeliverToYahoo implements hub.YahooBridge: from's UUM to the network-32
// account to goes into their bridged session, or rings to into a new one.
// False when the message should go out as UBM instead (the ring could not
// be made, or gave up a moment ago).
func (s *Server) DeliverToYahoo(from *hub.Session, to string, kind string, payload []byte) bool {
	p := pair{yahoo: strings.ToLower(to), msn: from.Email}
	for range 3 {
		now := time.Now()
		sess, cooling := s.bridge.find(p, now)
		if sess == nil {
			if cooling {
				return false
			}
			return s.startRing(p, from, kind, payload)
		}
		switch sess.fromVirtual(from, p.yahoo, kind, payload, now) {
		case deliverSent:
			return true
		case deliverFailed:
			return false
		case deliverFull:
			// Give the ring up: what waits goes out as UBM, then this one,
			// in order. Unless the ANS came in between: then try again.
			if s.expireRing(sess, p, "queue full") {
				return false
			}
		case deliverGone:
			s.bridge.forget(p, sess)
		}
	}
	return false
}

// Results of fromVirtual.
type deliverResult uint8

const (
	deliverSent   deliverResult = iota // queued to the member, or waiting for the ANS
	deliverFailed                      // the member's connection is going away
	deliverFull                        // too many messages wait for the ANS
	deliverGone                        // the session ended or the member left
)

// fromVirtual delivers a virtual member's message to the member to.
func (s *session) fromVirtual(from *hub.Session, to, kind string, payload []byte, now time.Time) deliverResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return deliverGone
	}
	if r := s.ring; r != nil {
		if len(r.queue) >= s.srv.opts.BridgeQueue {
			return deliverFull
		}
		r.queue = append(r.queue, queued{kind: kind, payload: bytes.Clone(payload)})
		return deliverSent
	}
	for _, m := range s.members {
		if m.email != to {
			continue
		}
		s.messages.Add(1)
		s.active.Store(now.UnixNano())
		if m.q.Send(virtualMSG(from.Email, from.Name(), payload)) {
			return deliverSent
		}
		return deliverFailed
	}
	return deliverGone
}

// virtualMSG is "MSG email name len" + payload, as a member's MSG is relayed.
func virtualMSG(email, name string, payload []byte) []byte {
	return wire.Payload(payload, "MSG", email, wire.EncodeName(name))
}

// startRing opens a session with from as its virtual member and rings the
// network-32 user into it; the message waits for the ANS.
func (s *Server) startRing(p pair, from *hub.Session, kind string, payload []byte) bool {
	if s.isClosing() {
		return false
	}
	v := &virtual{email: from.Email, user: from}
	r := &ring{from: v, to: p.yahoo, queue: []queued{{kind: kind, payload: bytes.Clone(payload)}}}
	sess := s.newSession()
	sess.mu.Lock()
	sess.virtual = []*virtual{v}
	sess.ring = r
	sess.bridged.Store(true)
	r.timer = time.AfterFunc(s.opts.BridgeRingTimeout, func() { s.expireRing(sess, p, "unanswered") })
	sess.mu.Unlock()
	s.bridge.put(p, sess)
	if err := s.hub.Ring(p.yahoo, sess.id, from.Email, from.Name()); err != nil {
		sess.mu.Lock()
		gaveUp := sess.ring != r // the timer was quicker and sent it as UBM
		if !gaveUp {
			r.timer.Stop()
			sess.ring, sess.ended = nil, true
		}
		sess.mu.Unlock()
		s.dropSession(sess)
		s.log.Debug("bridge ring failed", "from", from.Email, "to", p.yahoo, "err", err)
		return gaveUp
	}
	s.log.Debug("bridge ringing", "from", from.Email, "to", p.yahoo, "session", sess.id)
	return true
}

// expireRing gives up a ring that is still waiting: the queued messages go
// to the callee's NS connection as UBM, the session ends and the pair cools
// down. It reports whether the ring was still waiting.
func (s *Server) expireRing(sess *session, p pair, why string) bool {
	callee := s.hub.Lookup(p.yahoo) // outside the session lock (hub.mu)
	sess.mu.Lock()
	r := sess.ring
	if r == nil || sess.ended {
		sess.mu.Unlock()
		return false
	}
	r.timer.Stop()
	sess.ring, sess.ended = nil, true
	sent := 0
	if callee != nil && callee.Reachable(r.from.email) {
		network := strconv.Itoa(r.from.user.Network)
		for _, q := range r.queue {
			if callee.Out.Send(wire.Payload(q.payload, "UBM", r.from.email, network, q.kind)) {
				sent++
			}
		}
	}
	// Still under the session lock, so that a UUM that found this session
	// waits, then finds the pair cooling and goes out as UBM after these.
	s.bridge.giveUp(p, sess, time.Now().Add(s.opts.BridgeCooldown))
	sess.mu.Unlock()
	s.dropSession(sess)
	s.log.Info("bridge ring gave up, sent as UBM", "why", why, "from", r.from.email, "to", p.yahoo,
		"queued", len(r.queue), "sent", sent)
	return true
}

// answeredLocked delivers what waited for the ANS to c, the network-32
// callee that just joined. Called under s.mu from join, after ANS OK.
func (s *session) answeredLocked(c *conn) {
	r := s.ring
	s.ring = nil
	r.timer.Stop()
	name := r.from.user.Name()
	for _, q := range r.queue {
		c.q.Send(virtualMSG(r.from.email, name, q.payload))
	}
	s.messages.Add(int64(len(r.queue)))
	s.active.Store(time.Now().UnixNano())
}

// callBridged answers a network-32 user's CAL of the MSN user u: RINGING
// and JOI at once, u a virtual member from now on.
func (c *conn) callBridged(cmd *wire.Command, u *hub.Session) error {
	if !u.Reachable(c.email) {
		return wire.Err(wire.ErrPrincipalOffline, "hidden or not accepting the caller")
	}
	v := &virtual{email: u.Email, user: u}
	if err := c.sess.addVirtual(v, c, wire.Line("CAL", cmd.TrID, "RINGING", c.sess.id)); err != nil {
		if err == errMember {
			return wire.Err(wire.ErrAlreadyInSession, "already in the session")
		}
		return wire.Err(wire.ErrPrincipalOffline, err.Error())
	}
	c.srv.bridge.put(pair{yahoo: c.email, msn: u.Email}, c.sess)
	c.log.Debug("bridged call", "callee", u.Email)
	return nil
}

// addVirtual adds v on caller's CAL. Under the lock, so that nothing
// overtakes them, caller gets ringing first, then every member gets JOI for
// v, as if v had answered.
func (s *session) addVirtual(v *virtual, caller *conn, ringing []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ended:
		return errSessionGone
	case len(s.members)+len(s.virtual) >= s.srv.opts.MaxMembers:
		return errSessionFull
	case s.hasLocked(v.email):
		return errMember
	}
	caller.q.Send(ringing)
	joi := wire.Line("JOI", v.email, wire.EncodeName(v.user.Name()), v.user.Caps())
	for _, m := range s.members {
		m.q.Send(joi)
	}
	s.virtual = append(s.virtual[:len(s.virtual):len(s.virtual)], v)
	s.bridged.Store(true)
	return nil
}

// virtuals returns the virtual members; the slice must not be modified.
func (s *session) virtuals() []*virtual {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.virtual
}

// dropVirtual removes u as a virtual member (u was kicked): the others get
// BYE email 1. A ring u started still delivers what waits.
func (s *session) dropVirtual(u *hub.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ring != nil {
		return
	}
	rest := make([]*virtual, 0, len(s.virtual))
	for _, v := range s.virtual {
		if v.user != u {
			rest = append(rest, v)
			continue
		}
		bye := wire.Line("BYE", v.email, "1")
		for _, m := range s.members {
			m.q.Send(bye)
			s.srv.bridge.forget(pair{yahoo: m.email, msn: v.email}, s)
		}
	}
	s.virtual = rest
}

// bridgeMSG carries a MSG in a bridged session: to the other real members
// as usual (there are none in practice) and to every virtual member as
// "UBM sender network type len" with the payload unchanged. It reports
// whether the message counts as delivered: a virtual member got it, or it
// is of a kind the MSN side has no use for (client caps, emoticon
// definitions) and is dropped quietly. P2P is dropped as undeliverable, so
// that a transfer fails at once instead of waiting.
func (c *conn) bridgeMSG(payload, dest []byte, p2p bool) bool {
	delivered := c.sess.relay(c, c.relayLine(payload), dest, c.now)
	kind := yahooKind(payload)
	if kind == "" {
		return delivered || !p2p
	}
	var ubm []byte
	for _, v := range c.sess.virtuals() {
		u := c.srv.hub.Lookup(v.email)
		if u == nil || !u.Reachable(c.email) {
			continue
		}
		if ubm == nil {
			ubm = wire.Payload(payload, "UBM", c.email, strconv.Itoa(c.user.Network), kind)
		}
		if u.Out.Send(ubm) {
			delivered = true
		}
	}
	return delivered
}

// yahooKind is the UBM message type for a payload: 1 text, 2 typing, 3
// nudge and other datacasts (ns-presence-lists.md §9.2); "" for the rest.
func yahooKind(payload []byte) string {
	ct := header(payload, "Content-Type")
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = bytes.TrimSpace(ct[:i])
	}
	switch {
	case equalFold("text/plain", ct):
		return "1"
	case equalFold("text/x-msmsgscontrol", ct):
		return "2"
	case equalFold("text/x-msnmsgr-datacast", ct):
		return "3"
	}
	return ""
}

// stopRings ends every waiting ring (shutdown); nothing more is delivered.
func (s *Server) stopRings() {
	for _, sess := range s.allSessions() {
		if !sess.bridged.Load() {
			continue
		}
		sess.mu.Lock()
		r := sess.ring
		if r != nil {
			r.timer.Stop()
			sess.ring, sess.ended = nil, true
		}
		sess.mu.Unlock()
		if r != nil {
			s.dropSession(sess)
		}
	}
}

var _ hub.YahooBridge = (*Server)(nil)

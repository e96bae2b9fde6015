package hub

import (
	"strconv"

	"msnserver/ns/wire"
	"msnserver/store"
)

// snapshot is what watchers are told about one user, taken under its lock.
type snapshot struct {
	email   string
	network string
	visible bool
	lists   *store.Lists
	status  string
	name    string
	caps    string
	msnobj  string
	ubx     []byte
}

func (s *Session) snapshotLocked() snapshot {
	obj := s.msnobj
	if obj == "" || s.Network == store.NetworkYahoo {
		obj = "0"
	}
	return snapshot{
		email: s.Email, network: strconv.Itoa(s.Network), visible: s.visibleLocked(), lists: s.lists,
		status: s.status, name: wire.EncodeName(s.name), caps: s.capsLocked(), msnobj: obj, ubx: s.ubxLocked(),
	}
}

func (s *Session) ubxLocked() []byte {
	if s.ubx != nil {
		return s.ubx
	}
	return []byte("<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>")
}

// The presence lines in the watcher's dialect: MSNP14 added the network id
// (and, on FLN, the capabilities slot); MSNP13 has neither.

func (p *snapshot) nln(msnp13 bool) []byte {
	if msnp13 {
		return wire.Line("NLN", p.status, p.email, p.name, p.caps, p.msnobj)
	}
	return wire.Line("NLN", p.status, p.email, p.network, p.name, p.caps, p.msnobj)
}

func (p *snapshot) iln(trid string, msnp13 bool) []byte {
	if msnp13 {
		return wire.Line("ILN", trid, p.status, p.email, p.name, p.caps, p.msnobj)
	}
	return wire.Line("ILN", trid, p.status, p.email, p.network, p.name, p.caps, p.msnobj)
}

func (p *snapshot) ubxLine(msnp13 bool) []byte {
	if msnp13 {
		return wire.Payload(p.ubx, "UBX", p.email)
	}
	return wire.Payload(p.ubx, "UBX", p.email, p.network)
}

func (p *snapshot) fln(msnp13 bool) []byte {
	if msnp13 {
		return wire.Line("FLN", p.email)
	}
	return wire.Line("FLN", p.email, p.network, "0")
}

// lines caches one snapshot's encoded lines per dialect (index 1: MSNP13).
type lines struct {
	p                     *snapshot
	nln, nlnUBX, fln, ubx [2][]byte
}

func dialect(msnp13 bool) int {
	if msnp13 {
		return 1
	}
	return 0
}

func (l *lines) getNLN(msnp13 bool) []byte {
	d := dialect(msnp13)
	if l.nln[d] == nil {
		l.nln[d] = l.p.nln(msnp13)
	}
	return l.nln[d]
}

func (l *lines) getNLNUBX(msnp13 bool) []byte {
	d := dialect(msnp13)
	if l.nlnUBX[d] == nil {
		l.nlnUBX[d] = append(append([]byte(nil), l.getNLN(msnp13)...), l.getUBX(msnp13)...)
	}
	return l.nlnUBX[d]
}

func (l *lines) getFLN(msnp13 bool) []byte {
	d := dialect(msnp13)
	if l.fln[d] == nil {
		l.fln[d] = l.p.fln(msnp13)
	}
	return l.fln[d]
}

func (l *lines) getUBX(msnp13 bool) []byte {
	d := dialect(msnp13)
	if l.ubx[d] == nil {
		l.ubx[d] = l.p.ubxLine(msnp13)
	}
	return l.ubx[d]
}

func (p *snapshot) visibleTo(viewer string) bool { return p.visible && !p.lists.Blocks(viewer) }

// watchersOf returns the sessions with email on their forward list; the
// slice is never modified (watchLocked copies on write).
func (h *Hub) watchersOf(email string) []*Session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.watchers[email]
}

// fanOutLocked tells every watcher of u about u's presence. With force,
// watchers who already see u online get the new NLN too (a status, name or
// picture change); without it only changes of visibility are sent (privacy
// edits). The caller holds u.mu from the change until this returns, so a
// later change of u cannot overtake this one on any watcher's queue.
func (h *Hub) fanOutLocked(u *Session, force bool) {
	ws := h.watchersOf(u.Email)
	if len(ws) == 0 {
		return
	}
	p := u.snapshotLocked()
	out := lines{p: &p}
	for _, w := range ws {
		w.viewMu.Lock()
		entry, listed := w.fl[p.email]
		show := listed && p.visibleTo(w.Email)
		was := entry.shown
		if listed && entry.shown != show {
			entry.shown = show
			w.fl[p.email] = entry
		}
		w.viewMu.Unlock()
		switch {
		case show && was && force:
			w.Out.Send(out.getNLN(w.MSNP13))
			h.Stats.PresenceOut.Add(1)
		case show && !was:
			w.Out.Send(out.getNLNUBX(w.MSNP13))
			h.Stats.PresenceOut.Add(1)
		case !show && was && listed:
			w.Out.Send(out.getFLN(w.MSNP13))
			h.Stats.PresenceOut.Add(1)
		}
	}
}

// fanOutUBXLocked sends u's personal message to the watchers who see u
// online. The caller holds u.mu.
func (h *Hub) fanOutUBXLocked(u *Session) {
	if !u.visibleLocked() {
		return
	}
	ws := h.watchersOf(u.Email)
	if len(ws) == 0 {
		return
	}
	p := u.snapshotLocked()
	out := lines{p: &p}
	for _, w := range ws {
		w.viewMu.Lock()
		shown := w.fl[p.email].shown
		w.viewMu.Unlock()
		if shown {
			w.Out.Send(out.getUBX(w.MSNP13))
			h.Stats.PresenceOut.Add(1)
		}
	}
}

// initialPresence sends s an ILN (with trid) and UBX for each contact in
// emails that is online and visible to s. Each contact is read and its lines
// queued under the contact's lock, so its own fan-outs cannot overtake them.
func (h *Hub) initialPresence(s *Session, trid string, emails []string) {
	for _, e := range emails {
		u := h.Lookup(e)
		if u == nil || u == s {
			continue
		}
		u.mu.Lock()
		p := u.snapshotLocked()
		send := false
		if p.visibleTo(s.Email) {
			s.viewMu.Lock()
			if entry, listed := s.fl[e]; listed {
				entry.shown = true
				s.fl[e] = entry
				send = true
			}
			s.viewMu.Unlock()
		}
		if send {
			s.Out.Send(append(p.iln(trid, s.MSNP13), p.ubxLine(s.MSNP13)...))
		}
		u.mu.Unlock()
	}
}

// SetStatus applies a CHG. The first CHG makes the user visible: s receives
// ILN+UBX for its visible contacts (with the CHG's TrID), then watchers are told.
// The caller has already queued the CHG reply.
func (s *Session) SetStatus(trid, status, caps, msnobj string) {
	s.mu.Lock()
	first := s.status == "" && !s.gone
	s.mu.Unlock()
	if first {
		// Only s's own connection changes its status, so nothing makes s
		// visible in between.
		s.viewMu.Lock()
		fl := make([]string, 0, len(s.fl))
		for e := range s.fl {
			fl = append(fl, e)
		}
		s.viewMu.Unlock()
		s.hub.initialPresence(s, trid, fl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return
	}
	s.status, s.caps, s.msnobj = status, caps, msnobj
	s.hub.fanOutLocked(s, true)
}

// HasStatus reports whether the session has sent its first CHG.
func (s *Session) HasStatus() bool { return s.Status() != "" }

// SetName applies PRP MFN: watchers who see s get NLN with the new name.
func (s *Session) SetName(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.name = name
	s.nameView.Store(&name)
	if s.visibleLocked() {
		s.hub.fanOutLocked(s, true)
	}
}

// Personal is the last UUX document set (nil before any); the slice is
// never modified (SetPersonal replaces it).
func (s *Session) Personal() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ubx
}

// SetPersonal applies UUX: watchers who see s get UBX with the payload.
func (s *Session) SetPersonal(payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ubx = append([]byte(nil), payload...)
	s.hub.fanOutUBXLocked(s)
}

// ForwardEntry is one contact of a session forward list.
type ForwardEntry struct {
	Email   string
	Network int
}

// AddForward adds contacts to the session FL (ADL with the FL bit). Contacts
// already online and visible get ILN with trid, once s has a status. A
// session already logged out or kicked is left alone: it must not enter the
// watcher index again.
func (s *Session) AddForward(trid string, entries []ForwardEntry) {
	h := s.hub
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return
	}
	var added []string
	s.viewMu.Lock()
	for _, e := range entries {
		entry, ok := s.fl[e.Email]
		if !ok {
			added = append(added, e.Email)
		}
		entry.network = e.Network
		s.fl[e.Email] = entry
	}
	s.viewMu.Unlock()
	h.mu.Lock()
	for _, e := range added {
		h.watchLocked(e, s)
	}
	h.mu.Unlock()
	hasStatus := s.status != ""
	s.mu.Unlock()
	if hasStatus && len(added) > 0 {
		h.initialPresence(s, trid, added)
	}
}

// RemoveForward drops contacts from the session FL (RML with the FL bit).
func (s *Session) RemoveForward(emails []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return // Logout has taken s out of the index
	}
	s.viewMu.Lock()
	for _, e := range emails {
		delete(s.fl, e)
	}
	s.viewMu.Unlock()
	s.hub.mu.Lock()
	for _, e := range emails {
		s.hub.unwatchLocked(e, s)
	}
	s.hub.mu.Unlock()
}

// Forward reports whether email is on the session FL.
func (s *Session) Forward(email string) bool {
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	_, ok := s.fl[email]
	return ok
}

// SetLists replaces s's privacy lists and tells watchers whose view changed.
func (s *Session) SetLists(l *store.Lists) {
	s.applyLists(l, s.reloadGen.Add(1))
}

// applyLists installs lists read for PrivacyChanged call gen, unless a later
// call's lists are already in place: two reloads racing each other must not
// leave the older read in force.
func (s *Session) applyLists(l *store.Lists, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen < s.listsGen {
		return
	}
	s.listsGen = gen
	s.lists = privacyOnly(l)
	if !s.gone { // a replaced session's fan-out would hide its successor
		s.hub.fanOutLocked(s, false)
	}
}

// PrivacyChanged reloads email's lists from the store (after a SOAP or ADL/RML
// membership edit, or BLP) and pushes NLN/FLN to watchers whose view changed.
func (h *Hub) PrivacyChanged(email string) {
	s := h.Lookup(email)
	if s == nil {
		return
	}
	// The generation is taken before the read: a call that starts later
	// reads a store at least as new.
	gen := s.reloadGen.Add(1)
	_, l, err := h.store.Lists(email)
	if err != nil {
		h.log.Warn("reload lists", "account", email, "err", err)
		return
	}
	s.applyLists(l, gen)
}

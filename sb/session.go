package sb

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"msnserver/ns/wire"
)

// session is one conversation. Its member list is copied on write, so the
// relay reads it with one short lock and fans out without holding it.
type session struct {
	srv      *Server
	id       string // set before the session is published
	since    time.Time
	messages atomic.Int64
	active   atomic.Int64 // unix nanoseconds of the last relayed MSG

	mu      sync.Mutex              // tier 4 (lock order in ns/hub)
	members []*conn                 // never modified in place; set with setMembersLocked
	view    atomic.Pointer[[]*conn] // members, for the relay to read without mu
	ended   bool                    // the last member left; nobody may join again

	// The Yahoo bridge (yahoo.go). bridged is set once, when the first
	// virtual member arrives; virtual and ring are guarded by mu; keys by
	// the bridge's own lock.
	bridged atomic.Bool
	virtual []*virtual // MSN users present only through the NS; never modified in place
	ring    *ring      // the network-32 callee has not answered yet
	keys    []pair     // the bridge index entries naming this session
}

// Reasons a join fails.
var (
	errSessionGone = errors.New("session has ended")
	errSessionFull = errors.New("session is full")
	errMember      = errors.New("already a member")
)

// snapshot returns the current members; the slice must not be modified. It
// takes no lock: a relayed message racing a join or a leave may reach the
// members of just before, as it could with the lock released before sending.
func (s *session) snapshot() []*conn {
	if p := s.view.Load(); p != nil {
		return *p
	}
	return nil
}

// setMembersLocked replaces the member list and publishes it to snapshot.
func (s *session) setMembersLocked(members []*conn) {
	s.members = members
	s.view.Store(&members)
}

// start makes c the first member (USR).
func (s *session) start(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setMembersLocked([]*conn{c})
}

// join adds c (ANS). Under the lock, so that no relayed MSG or BYE can
// overtake them, c gets one IRO per member present and ANS trid OK, and the
// present members get JOI for c.
func (s *session) join(c *conn, trid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.members) + len(s.virtual)
	switch {
	case s.ended || n == 0:
		return errSessionGone
	case n >= s.srv.opts.MaxMembers:
		return errSessionFull
	case s.hasLocked(c.email):
		return errMember
	}
	total := strconv.Itoa(n)
	var reply []byte
	for i, m := range s.members {
		reply = wire.AppendLine(reply, "IRO", trid, strconv.Itoa(i+1), total, m.email, wire.EncodeName(m.user.Name()), m.user.Caps())
	}
	for i, v := range s.virtual {
		reply = wire.AppendLine(reply, "IRO", trid, strconv.Itoa(len(s.members)+i+1), total, v.email, wire.EncodeName(v.user.Name()), v.user.Caps())
	}
	reply = wire.AppendLine(reply, "ANS", trid, "OK")
	// The order matters to the relay, which reads the member list without
	// the lock: c's answer is queued before c is published (no MSG reaches
	// c ahead of its ANS), and c is published before anyone hears JOI (a
	// member who answers JOI with a MSG finds c in the list).
	c.q.Send(reply)
	before := s.members
	s.setMembersLocked(append(s.members[:len(s.members):len(s.members)], c))
	joi := wire.Line("JOI", c.email, wire.EncodeName(c.user.Name()), c.user.Caps())
	for _, m := range before {
		m.q.Send(joi)
	}
	if s.ring != nil {
		s.answeredLocked(c)
	}
	return nil
}

// has reports whether email is a member, virtual ones included.
func (s *session) has(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hasLocked(email)
}

func (s *session) hasLocked(email string) bool {
	for _, m := range s.members {
		if m.email == email {
			return true
		}
	}
	for _, v := range s.virtual {
		if v.email == email {
			return true
		}
	}
	return false
}

// emails lists the members' addresses in order of joining, virtual ones last.
func (s *session) emails() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.members)+len(s.virtual))
	for _, m := range s.members {
		out = append(out, m.email)
	}
	for _, v := range s.virtual {
		out = append(out, v.email)
	}
	return out
}

// size is the number of members, virtual ones included.
func (s *session) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.members) + len(s.virtual)
}

// leave removes c and queues bye to the members left. The last one out
// ends the session and takes it off the registry.
func (s *session) leave(c *conn, bye []byte) {
	if s.remove(c, bye) {
		s.srv.dropSession(s)
	}
}

// remove takes c off the member list, tells the others, and reports whether
// the session is now empty.
func (s *session) remove(c *conn, bye []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.members, c)
	if i < 0 {
		return false
	}
	rest := make([]*conn, 0, len(s.members)-1)
	rest = append(append(rest, s.members[:i]...), s.members[i+1:]...)
	// BYE is queued before the shorter list is published: the relay reads
	// the list without the lock, and a member whose MSG finds c gone must
	// have BYE ahead of the NAK.
	for _, m := range rest {
		m.q.Send(bye)
	}
	s.setMembersLocked(rest)
	if len(rest) == 0 {
		s.ended = true
	}
	return s.ended
}

// relay queues msg to every member but from, or only to the member named
// dest when there is one (P2P-Dest, switchboard.md §8.4). It reports whether
// at least one member got it.
func (s *session) relay(from *conn, msg []byte, dest []byte, now time.Time) bool {
	members := s.snapshot()
	s.messages.Add(1)
	s.active.Store(now.UnixNano())
	to := ""
	if len(dest) > 0 && len(members) > 2 {
		for _, m := range members {
			if m != from && len(m.email) == len(dest) && equalFold(m.email, dest) {
				to = m.email
				break
			}
		}
	}
	delivered := false
	for _, m := range members {
		if m == from || (to != "" && m.email != to) {
			continue
		}
		if m.q.Send(msg) {
			delivered = true
		}
	}
	return delivered
}

// equalFold compares an ASCII e-mail address with bytes, ignoring case.
func equalFold(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := 0; i < len(s); i++ {
		x, y := s[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

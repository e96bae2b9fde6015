package hub

import (
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"msnserver/ns/ticket"
	"msnserver/ns/wire"
	"msnserver/store"
)

// Sender is a connection's outgoing side (wire.Queue). Send must never
// block: the hub queues presence while holding the changing user's lock.
type Sender interface {
	Send(b []byte) bool
	CloseAfter(b []byte)
}

// YahooCaps is the capability word shown for network-32 users (README §4.4).
const YahooCaps = "1073741824"

// Hub is the registry of online users.
type Hub struct {
	store *store.Store
	log   *slog.Logger

	mu       sync.RWMutex          // tier 2; lock order in doc.go
	users    map[string]*Session   // email → its NS session
	watchers map[string][]*Session // email → sessions with it on their session FL; copied on write

	onKick []func(*Session) // set before serving; read-only afterwards
	yahoo  YahooBridge      // set before serving; read-only afterwards

	cookies *ticket.Cookies
	sbAddr  string // guarded by mu

	Stats Stats
}

// Stats are counters for the dashboard and /metrics.
type Stats struct {
	Logins       atomic.Int64
	Messages     atomic.Int64 // switchboard and UUM messages relayed
	PresenceOut  atomic.Int64 // presence lines queued
	ProtocolErrs atomic.Int64
}

// New returns an empty hub.
func New(st *store.Store, log *slog.Logger) *Hub {
	return &Hub{
		store:    st,
		log:      log,
		users:    map[string]*Session{},
		watchers: map[string][]*Session{},
		cookies:  ticket.NewCookies(),
	}
}

// Store returns the store the hub reads.
func (h *Hub) Store() *store.Store { return h.store }

// Session is one logged-in NS connection as the rest of the server sees it.
type Session struct {
	hub *Hub

	Email      string
	AccountID  uint64
	Network    int
	Out        Sender
	RemoteAddr string
	Client     string // client name and version from CVR
	Since      time.Time
	// MSNP13 marks a client that negotiated MSNP13 (early 8.0 betas): its
	// presence lines carry no network id and XFR/RNG no direct-connect flag.
	// Set before Login; read-only afterwards.
	MSNP13 bool
	// DirectConnect is the MSNP14 flag RNG carries: "1", or "0" for a
	// client on the HTTP gateway (its switchboard goes through the gateway
	// too). Empty means "1". Set before Login; read-only afterwards.
	DirectConnect string
	// Dialect is the negotiated protocol ("MSNP15", "MSNP14", "MSNP13"),
	// for the admin console. Set before Login; read-only afterwards.
	Dialect string

	// Front names the protocol front the user signed in with: "" for the
	// MSNP notification server, "YMSG" for the Yahoo! pager. Set before
	// Login; read-only afterwards.
	Front string

	// mu guards the user's own presence. It is held from a change until the
	// change's fan-out is queued, so watchers see one user's changes in order.
	mu        sync.Mutex // tier 3; lock order in doc.go
	name      string
	nameView  atomic.Pointer[string] // name, for readers outside mu (the switchboard reads it per message)
	status    string                 // "" until the first CHG
	caps      string
	msnobj    string
	ubx       []byte       // last UUX payload
	lists     *store.Lists // own privacy (AL, BL, BLP) as others see it
	listsGen  uint64       // PrivacyChanged generation lists came from
	gone      bool         // logged out or kicked; nothing registers it again
	kickWhy   string
	reloadGen atomic.Uint64 // PrivacyChanged calls started
	sbCount   atomic.Int32

	// viewMu guards what this session sees of others.
	viewMu sync.Mutex         // tier 1 (leaf)
	fl     map[string]contact // session forward list, by e-mail
}

// contact is one entry of a session's forward list. One map holds both
// facts: a second map for "shown" cost as much again per idle user.
type contact struct {
	network int
	shown   bool // this session was last told the contact is online
}

// NewSession prepares a session for Login.
func (h *Hub) NewSession(acct *store.Account, lists *store.Lists, out Sender, remote, client string) *Session {
	s := &Session{
		hub: h, Email: acct.Email, AccountID: acct.ID, Network: acct.Network, Out: out,
		RemoteAddr: remote, Client: client, Since: time.Now(),
		name: acct.Name, lists: privacyOnly(lists), fl: map[string]contact{},
	}
	s.nameView.Store(&acct.Name)
	return s
}

// Login registers s as the account's session. An older session of the same
// account gets OUT OTH and is closed (MSNP14 has no multiple points of presence).
//
// The account is read again once s is registered: an admin disable (or
// delete) that committed after the caller checked the ticket found no
// session to kick, so Login kicks it itself. Either the admin's Lookup sees
// s, or this read sees the change. It reports whether s stayed signed in.
func (h *Hub) Login(s *Session) bool {
	h.Stats.Logins.Add(1)
	h.mu.Lock()
	old := h.users[s.Email]
	h.users[s.Email] = s
	h.mu.Unlock()
	if old != nil {
		old.Kick("OTH")
	}
	if h.store == nil {
		return true
	}
	a, err := h.store.AccountByID(s.AccountID)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && a.Disabled:
		h.log.Info("account disabled or deleted while signing in", "account", s.Email)
		s.Kick("OTH")
		return false
	case err != nil:
		h.log.Warn("re-read account after login", "account", s.Email, "err", err)
	}
	return true
}

// Logout removes s (if still registered) and tells watchers it left.
func (h *Hub) Logout(s *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return
	}
	wasVisible := s.visibleLocked()
	s.gone = true
	s.status = ""
	s.viewMu.Lock()
	fl := make([]string, 0, len(s.fl))
	for e := range s.fl {
		fl = append(fl, e)
	}
	s.viewMu.Unlock()

	h.mu.Lock()
	if h.users[s.Email] == s {
		delete(h.users, s.Email)
	}
	for _, e := range fl {
		h.unwatchLocked(e, s)
	}
	h.mu.Unlock()
	if wasVisible {
		h.fanOutLocked(s, false)
	}
}

// OnKick registers fn to run when a session is kicked (signed in elsewhere,
// kicked by the admin): the switchboard uses it to end that user's
// conversations, as a duplicate login requires. Call before serving.
func (h *Hub) OnKick(fn func(*Session)) { h.onKick = append(h.onKick, fn) }

// Kick sends OUT reason ("OTH", "SSD", ...) and closes the session's connection.
func (s *Session) Kick(reason string) {
	s.mu.Lock()
	s.kickWhy = reason
	s.mu.Unlock()
	s.Out.CloseAfter(wire.Line("OUT", reason))
	s.hub.Logout(s)
	if reason != "SSD" {
		for _, fn := range s.hub.onKick {
			fn(s)
		}
	}
}

// KickReason is the OUT reason the session was kicked with, if any.
func (s *Session) KickReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kickWhy
}

// Lookup returns the online session of email, or nil.
func (h *Hub) Lookup(email string) *Session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.users[strings.ToLower(email)]
}

// Online returns every online session, sorted by e-mail.
func (h *Hub) Online() []*Session {
	h.mu.RLock()
	out := make([]*Session, 0, len(h.users))
	for _, s := range h.users {
		out = append(out, s)
	}
	h.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out
}

// Count is the number of online sessions.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users)
}

// KickAll sends OUT reason to every session (server shutdown).
func (h *Hub) KickAll(reason string) {
	for _, s := range h.Online() {
		s.Kick(reason)
	}
}

// Broadcast queues b to every online session and returns how many got it.
func (h *Hub) Broadcast(b []byte) int {
	n := 0
	for _, s := range h.Online() {
		if s.Out.Send(b) {
			n++
		}
	}
	return n
}

// SendTo queues b to email's session.
func (h *Hub) SendTo(email string, b []byte) bool {
	if s := h.Lookup(email); s != nil {
		return s.Out.Send(b)
	}
	return false
}

// Name is the session's current friendly name.
func (s *Session) Name() string {
	if p := s.nameView.Load(); p != nil {
		return *p
	}
	return ""
}

// Status is the session's status ("" before the first CHG).
func (s *Session) Status() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Caps is the capability word shown to others.
func (s *Session) Caps() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.capsLocked()
}

func (s *Session) capsLocked() string {
	if s.Network == store.NetworkYahoo {
		return YahooCaps
	}
	if s.caps == "" {
		return "0"
	}
	return s.caps
}

// SwitchboardCount is how many switchboard sessions the user is in.
func (s *Session) SwitchboardCount() int { return int(s.sbCount.Load()) }

// AddSwitchboards adjusts the switchboard count (the sb package calls it).
func (s *Session) AddSwitchboards(d int) { s.sbCount.Add(int32(d)) }

// Blocks reports whether s's privacy settings hide s from viewer.
func (s *Session) Blocks(viewer string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists.Blocks(viewer)
}

// Visible reports whether s is signed in and not appearing offline.
func (s *Session) Visible() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.visibleLocked()
}

func (s *Session) visibleLocked() bool {
	return !s.gone && s.status != "" && s.status != "HDN"
}

// Reachable reports whether from may contact s (CAL, UUM): s is online, not
// hidden, and does not block from.
func (s *Session) Reachable(from string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.visibleLocked() && !s.lists.Blocks(from)
}

// watchLocked adds s to the watchers of email. A session watches an e-mail
// once (only an address new to its forward list is added), and the lists
// are copied on write, so watchersOf hands them out without a copy.
func (h *Hub) watchLocked(email string, s *Session) {
	ws := h.watchers[email]
	h.watchers[email] = append(ws[:len(ws):len(ws)], s)
}

func (h *Hub) unwatchLocked(email string, s *Session) {
	ws := h.watchers[email]
	i := slices.Index(ws, s)
	switch {
	case i < 0:
	case len(ws) == 1:
		delete(h.watchers, email)
	default:
		rest := make([]*Session, 0, len(ws)-1)
		h.watchers[email] = append(append(rest, ws[:i]...), ws[i+1:]...)
	}
}

// privacyOnly keeps what deciding visibility needs (BLP, the block list, and
// the allow list when BLP is BL), so an idle session holds no more of its
// lists than that.
func privacyOnly(l *store.Lists) *store.Lists {
	if l == nil {
		return &store.Lists{BLP: "AL"}
	}
	p := &store.Lists{BLP: l.BLP}
	if len(l.Block) > 0 {
		p.Block = l.Block
	}
	if l.BLP == "BL" && len(l.Allow) > 0 {
		p.Allow = l.Allow
	}
	return p
}

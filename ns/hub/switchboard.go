package hub

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"msnserver/ns/wire"
)

// CookieLifetime bounds how long a switchboard auth cookie stays valid.
const CookieLifetime = 2 * time.Minute

// Cookie authorises one user to enter the switchboard once: after XFR SB (a
// new session) or RNG (joining SessionID).
type Cookie struct {
	Email     string
	SessionID string // "" for a new session (XFR SB)
	Expires   time.Time
}

type cookieJar struct {
	mu        sync.Mutex // tier 1 (leaf); lock order in doc.go
	m         map[string]*Cookie
	pruneSize int                 // prune expired cookies when the map reaches this size
	byUser    map[string][]string // email → values issued by Invite, oldest first (some may be used or expired)
}

// MaxInvitations caps the unused, unexpired cookies Invite holds for one
// user (XFR SB and RNG); past it XFR gets 713 and a ring is not sent.
const MaxInvitations = 50

// ErrTooManyInvitations is Invite's refusal past MaxInvitations.
var ErrTooManyInvitations = errors.New("too many outstanding switchboard invitations")

// SetSwitchboardAddr sets the host:port handed out in XFR and RNG.
func (h *Hub) SetSwitchboardAddr(addr string) {
	h.mu.Lock()
	h.sbAddr = addr
	h.mu.Unlock()
}

// SwitchboardAddr is the host:port handed out in XFR and RNG.
func (h *Hub) SwitchboardAddr() string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.sbAddr
}

// IssueCookie returns a fresh single-use cookie for email.
func (h *Hub) IssueCookie(email, sessionID string) string {
	h.cookies.mu.Lock()
	defer h.cookies.mu.Unlock()
	return h.issueLocked(email, sessionID, time.Now())
}

func (h *Hub) issueLocked(email, sessionID string, now time.Time) string {
	var b [24]byte
	rand.Read(b[:])
	v := strings.NewReplacer("-", "0", "_", "1").Replace(base64.RawURLEncoding.EncodeToString(b[:]))
	// Prune only when the map has doubled since the last prune, so issuing
	// stays O(1) amortised however many cookies are live.
	if len(h.cookies.m) >= max(h.cookies.pruneSize, 1024) {
		for k, c := range h.cookies.m {
			if now.After(c.Expires) {
				delete(h.cookies.m, k)
			}
		}
		h.cookies.pruneSize = 2 * len(h.cookies.m)
		for u, vs := range h.cookies.byUser {
			if !slices.ContainsFunc(vs, func(v string) bool { return h.cookies.m[v] != nil }) {
				delete(h.cookies.byUser, u)
			}
		}
	}
	h.cookies.m[v] = &Cookie{Email: strings.ToLower(email), SessionID: sessionID, Expires: now.Add(CookieLifetime)}
	return v
}

// Invite is IssueCookie with a cap: it fails with ErrTooManyInvitations when
// email already holds MaxInvitations live cookies from Invite, so pipelined
// XFRs or rings cannot pile up cookies for two minutes each.
func (h *Hub) Invite(email, sessionID string) (string, error) {
	email = strings.ToLower(email)
	now := time.Now()
	h.cookies.mu.Lock()
	defer h.cookies.mu.Unlock()
	if h.cookies.byUser == nil {
		h.cookies.byUser = map[string][]string{}
	}
	live := h.cookies.byUser[email][:0]
	for _, v := range h.cookies.byUser[email] {
		if c := h.cookies.m[v]; c != nil && now.Before(c.Expires) {
			live = append(live, v)
		}
	}
	if len(live) >= MaxInvitations {
		h.cookies.byUser[email] = live
		return "", ErrTooManyInvitations
	}
	v := h.issueLocked(email, sessionID, now)
	h.cookies.byUser[email] = append(live, v)
	return v, nil
}

// RedeemCookie checks and consumes a cookie presented by email. It fails for an
// unknown, expired or already used cookie, or one issued to someone else.
func (h *Hub) RedeemCookie(value, email string) (*Cookie, bool) {
	h.cookies.mu.Lock()
	c := h.cookies.m[value]
	delete(h.cookies.m, value)
	h.cookies.mu.Unlock()
	if c == nil || time.Now().After(c.Expires) || c.Email != strings.ToLower(email) {
		return nil, false
	}
	return c, true
}

// Errors from Ring.
var (
	ErrOffline = errors.New("user is offline or not accepting messages")
)

// Ring invites callee into switchboard session sessionID on behalf of
// inviter: callee's NS connection gets RNG with a fresh cookie. It fails with
// ErrOffline when callee is offline, hidden or blocks the inviter.
func (h *Hub) Ring(callee, sessionID, inviter, inviterName string) error {
	s := h.Lookup(callee)
	if s == nil || !s.Reachable(inviter) {
		return ErrOffline
	}
	cookie, err := h.Invite(s.Email, sessionID)
	if err != nil {
		return err
	}
	direct := s.DirectConnect
	if direct == "" {
		direct = "1"
	}
	args := []string{"RNG", sessionID, h.SwitchboardAddr(), "CKI", cookie, inviter, wire.EncodeName(inviterName), "U", "messenger.hotmail.com", direct}
	if s.MSNP13 {
		args = args[:len(args)-1] // the direct-connect flag is MSNP14's
	}
	line := wire.Line(args...)
	if !s.Out.Send(line) {
		return ErrOffline
	}
	return nil
}

package hub

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
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
	pruneSize int // prune expired cookies when the map reaches this size
}

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
	var b [24]byte
	rand.Read(b[:])
	v := strings.NewReplacer("-", "0", "_", "1").Replace(base64.RawURLEncoding.EncodeToString(b[:]))
	now := time.Now()
	h.cookies.mu.Lock()
	defer h.cookies.mu.Unlock()
	// Prune only when the map has doubled since the last prune, so issuing
	// stays O(1) amortised however many cookies are live.
	if len(h.cookies.m) >= max(h.cookies.pruneSize, 1024) {
		for k, c := range h.cookies.m {
			if now.After(c.Expires) {
				delete(h.cookies.m, k)
			}
		}
		h.cookies.pruneSize = 2 * len(h.cookies.m)
	}
	h.cookies.m[v] = &Cookie{Email: strings.ToLower(email), SessionID: sessionID, Expires: now.Add(CookieLifetime)}
	return v
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
	cookie := h.IssueCookie(s.Email, sessionID)
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

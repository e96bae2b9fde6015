package hub

import (
	"errors"

	"msnserver/ns/ticket"
	"msnserver/ns/wire"
)

// The switchboard cookies live in package ticket, with the other
// credentials; the hub hands them out and takes them back.
type Cookie = ticket.Cookie

const (
	CookieLifetime = ticket.CookieLifetime
	MaxInvitations = ticket.MaxInvitations
)

// ErrTooManyInvitations is Invite's refusal past MaxInvitations.
var ErrTooManyInvitations = ticket.ErrTooManyInvitations

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
func (h *Hub) IssueCookie(email, sessionID string) string { return h.cookies.Issue(email, sessionID) }

// Invite is IssueCookie with a cap of MaxInvitations live cookies per user.
func (h *Hub) Invite(email, sessionID string) (string, error) {
	return h.cookies.Invite(email, sessionID)
}

// RedeemCookie checks and consumes a cookie presented by email.
func (h *Hub) RedeemCookie(value, email string) (*Cookie, bool) {
	return h.cookies.Redeem(value, email)
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

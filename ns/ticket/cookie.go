package ticket

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
)

// Switchboard cookies are the other credential this server hands out: where
// a ticket is stateless and lives a day, a cookie is single-use, lives two
// minutes and is remembered here until it is redeemed or expires. The NS
// issues one with XFR SB (a new session) or RNG (joining one); the
// switchboard redeems it at USR or ANS.

// CookieLifetime bounds how long a switchboard cookie stays valid.
const CookieLifetime = 2 * time.Minute

// MaxInvitations caps the unused, unexpired cookies Invite holds for one
// user (XFR SB and RNG); past it XFR gets 713 and a ring is not sent.
const MaxInvitations = 50

// ErrTooManyInvitations is Invite's refusal past MaxInvitations.
var ErrTooManyInvitations = errors.New("too many outstanding switchboard invitations")

// Cookie authorises one user to enter the switchboard once: after XFR SB (a
// new session) or RNG (joining SessionID).
type Cookie struct {
	Email     string
	SessionID string // "" for a new session (XFR SB)
	Expires   time.Time
}

// Cookies is the jar of live switchboard cookies.
type Cookies struct {
	mu        sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	m         map[string]*Cookie
	pruneSize int                 // prune expired cookies when the map reaches this size
	byUser    map[string][]string // email → values issued by Invite, oldest first (some may be used or expired)
}

// NewCookies returns an empty jar.
func NewCookies() *Cookies {
	return &Cookies{m: map[string]*Cookie{}, byUser: map[string][]string{}}
}

// Issue returns a fresh single-use cookie for email, without a cap.
func (j *Cookies) Issue(email, sessionID string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.issueLocked(email, sessionID, time.Now())
}

func (j *Cookies) issueLocked(email, sessionID string, now time.Time) string {
	var b [24]byte
	rand.Read(b[:])
	v := strings.NewReplacer("-", "0", "_", "1").Replace(base64.RawURLEncoding.EncodeToString(b[:]))
	// Prune only when the map has doubled since the last prune, so issuing
	// stays O(1) amortised however many cookies are live.
	if len(j.m) >= max(j.pruneSize, 1024) {
		for k, c := range j.m {
			if now.After(c.Expires) {
				delete(j.m, k)
			}
		}
		j.pruneSize = 2 * len(j.m)
		for u, vs := range j.byUser {
			if !slices.ContainsFunc(vs, func(v string) bool { return j.m[v] != nil }) {
				delete(j.byUser, u)
			}
		}
	}
	j.m[v] = &Cookie{Email: strings.ToLower(email), SessionID: sessionID, Expires: now.Add(CookieLifetime)}
	return v
}

// Invite is Issue with a cap: it fails with ErrTooManyInvitations when email
// already holds MaxInvitations live cookies from Invite, so pipelined XFRs
// or rings cannot pile up cookies for two minutes each.
func (j *Cookies) Invite(email, sessionID string) (string, error) {
	email = strings.ToLower(email)
	now := time.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	live := j.byUser[email][:0]
	for _, v := range j.byUser[email] {
		if c := j.m[v]; c != nil && now.Before(c.Expires) {
			live = append(live, v)
		}
	}
	if len(live) >= MaxInvitations {
		j.byUser[email] = live
		return "", ErrTooManyInvitations
	}
	v := j.issueLocked(email, sessionID, now)
	j.byUser[email] = append(live, v)
	return v, nil
}

// Redeem checks and consumes a cookie presented by email. It fails for an
// unknown, expired or already used cookie, or one issued to someone else.
func (j *Cookies) Redeem(value, email string) (*Cookie, bool) {
	j.mu.Lock()
	c := j.m[value]
	delete(j.m, value)
	j.mu.Unlock()
	if c == nil || time.Now().After(c.Expires) || c.Email != strings.ToLower(email) {
		return nil, false
	}
	return c, true
}

package admin

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// maxSessions bounds the session table; past it the oldest logins go first.
const maxSessions = 1000

// session is one admin login. The JWT in the cookie names it by id, so
// deleting it here revokes the cookie.
type session struct {
	id      string
	user    string
	csrf    string // the token every form of this session carries
	created time.Time
	expires time.Time
	flash   flash // shown once, on the next page
}

// flash is a one-time notice after a redirect.
type flash struct {
	Error bool
	Text  string
}

type sessionStore struct {
	mu sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	m  map[string]*session
}

func newSessionStore() *sessionStore {
	return &sessionStore{m: make(map[string]*session)}
}

// tokenLen is the length of a randomToken.
const tokenLen = 43

// randomToken returns 32 random bytes, base64url (tokenLen characters).
func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (st *sessionStore) create(user string, now time.Time, ttl time.Duration) session {
	sess := &session{id: randomToken(), user: user, csrf: randomToken(), created: now, expires: now.Add(ttl)}
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, o := range st.m {
		if !now.Before(o.expires) {
			delete(st.m, id)
		}
	}
	for len(st.m) >= maxSessions {
		var oldest *session
		for _, o := range st.m {
			if oldest == nil || o.created.Before(oldest.created) {
				oldest = o
			}
		}
		delete(st.m, oldest.id)
	}
	st.m[sess.id] = sess
	return *sess
}

// get returns a copy of the live session id, if any.
func (st *sessionStore) get(id string, now time.Time) (session, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	sess, ok := st.m[id]
	if !ok {
		return session{}, false
	}
	if !now.Before(sess.expires) {
		delete(st.m, id)
		return session{}, false
	}
	return *sess, true
}

func (st *sessionStore) remove(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.m, id)
}

// removeUser ends every session of user except keep (after a password change).
func (st *sessionStore) removeUser(user, keep string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, sess := range st.m {
		if sess.user == user && id != keep {
			delete(st.m, id)
		}
	}
}

func (st *sessionStore) setFlash(id string, f flash) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sess, ok := st.m[id]; ok {
		sess.flash = f
	}
}

func (st *sessionStore) popFlash(id string) flash {
	st.mu.Lock()
	defer st.mu.Unlock()
	sess, ok := st.m[id]
	if !ok {
		return flash{}
	}
	f := sess.flash
	sess.flash = flash{}
	return f
}

package oim

import (
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"msnserver/ns/challenge"
)

// Lifetimes of the lock-key state (§3.3): a challenge must be answered
// within challengeTTL; an accepted lock key is reused by the client for its
// later Stores and stays good while it keeps being used.
const (
	challengeTTL = 10 * time.Minute
	lockKeyTTL   = 24 * time.Hour
	// lockKeyChallengeLen: Escargot issues 10 digits. 10+16 is not a
	// multiple of 8, so the two padding conventions agree (ns-login §11.3).
	lockKeyChallengeLen = 10
	// pruneAbove is the table size at which expired entries are swept.
	pruneAbove = 1024
)

// lockKeys remembers, per sender, the challenge last issued and the lock
// key last accepted. Only senders with a valid ticket get an entry.
type lockKeys struct {
	now func() time.Time

	mu       sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	bySender map[string]*lockState
}

type lockState struct {
	challenge string
	issued    time.Time
	key       string // accepted lock key, lower case
	used      time.Time
}

func newLockKeys(now func() time.Time) *lockKeys {
	return &lockKeys{now: now, bySender: map[string]*lockState{}}
}

// accept reports whether lockkey is good for sender's Store with product
// appID: the key accepted before, or the right answer to the pending
// challenge. For a product ID without a known key any non-empty lock key is
// accepted (Escargot checks only that it is non-empty).
func (l *lockKeys) accept(sender, appID, lockkey string) bool {
	lockkey = strings.ToLower(strings.TrimSpace(lockkey))
	if lockkey == "" {
		return false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.bySender[sender]
	if st != nil && st.key != "" && now.Sub(st.used) < lockKeyTTL &&
		subtle.ConstantTimeCompare([]byte(st.key), []byte(lockkey)) == 1 {
		st.used = now
		return true
	}
	if !challenge.Known(appID) {
		return true
	}
	if st == nil || st.challenge == "" || now.Sub(st.issued) >= challengeTTL {
		return false
	}
	if !challenge.Verify(st.challenge, appID, lockkey) {
		return false
	}
	st.key, st.used, st.challenge = lockkey, now, ""
	return true
}

// issue returns a fresh challenge for sender, replacing any pending one.
func (l *lockKeys) issue(sender string) string {
	chl := challenge.NewChallenge()[:lockKeyChallengeLen]
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bySender) >= pruneAbove {
		for k, st := range l.bySender {
			if now.Sub(st.issued) >= challengeTTL && now.Sub(st.used) >= lockKeyTTL {
				delete(l.bySender, k)
			}
		}
	}
	st := l.bySender[sender]
	if st == nil {
		st = &lockState{}
		l.bySender[sender] = st
	}
	st.challenge, st.issued = chl, now
	return chl
}

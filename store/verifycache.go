package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// Verification cache: every sign-in checks a password (the RST of a client
// reconnecting, a Yahoo! token request), and bcrypt at the default cost takes
// ~0.1 s of a core, which caps sign-ins near ten a second per core and makes
// a reconnect storm after a restart slow. A successful check is remembered
// for a while as a keyed MAC of what was checked, so the same password for
// the same stored hash is accepted again without bcrypt.
//
// Nothing here reaches the disk: the key is random per process. The MAC
// covers the account id, its stored hash and its ticket generation, so a
// password change or a disable (both change those) makes earlier entries
// useless at once; they are also dropped explicitly. A wrong password is
// never cached and always costs one bcrypt, as before.
const (
	verifiedTTL = time.Hour
	verifiedMax = 100_000 // entries; ~100 bytes each
)

type verifyCache struct {
	key [32]byte
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	entries map[uint64]verifiedEntry
}

type verifiedEntry struct {
	mac     [32]byte
	expires time.Time
}

var verified = newVerifyCache(verifiedMax, verifiedTTL)

func newVerifyCache(max int, ttl time.Duration) *verifyCache {
	c := &verifyCache{ttl: ttl, max: max, now: time.Now, entries: make(map[uint64]verifiedEntry)}
	rand.Read(c.key[:])
	return c
}

// sum is the MAC of one successful check.
func (c *verifyCache) sum(a *Account, password string) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], a.ID)
	binary.BigEndian.PutUint32(b[8:], a.TicketGen)
	m.Write(b[:])
	m.Write(a.Hash)
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// hit reports whether password was verified for a's current hash lately.
func (c *verifyCache) hit(a *Account, password string) bool {
	mac := c.sum(a, password)
	c.mu.Lock()
	e, ok := c.entries[a.ID]
	c.mu.Unlock()
	return ok && c.now().Before(e.expires) && hmac.Equal(e.mac[:], mac[:])
}

// remember records a successful check. Past max entries, expired ones go
// first, then arbitrary ones: the cache only ever saves work.
func (c *verifyCache) remember(a *Account, password string) {
	e := verifiedEntry{mac: c.sum(a, password), expires: c.now().Add(c.ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[a.ID]; !ok && len(c.entries) >= c.max {
		now := c.now()
		for id, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, id)
			}
		}
		for id := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, id)
		}
	}
	c.entries[a.ID] = e
}

// forget drops what is remembered for an account.
func (c *verifyCache) forget(id uint64) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

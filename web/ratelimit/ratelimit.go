// Package ratelimit counts failed attempts per client address in a sliding
// window (password and ticket brute force), for the token service and the
// notification server.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter counts failed attempts per client address in a sliding window; an
// address over the limit is refused until its window passes (brute force).
type Limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	fails map[string][]time.Time
}

// NewLimiter allows max failures per window per address.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// Allow reports whether addr may try again now.
func (l *Limiter) Allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(addr, time.Now())) < l.max
}

// Fail records a failed attempt by addr.
func (l *Limiter) Fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.fails[addr] = append(l.prune(addr, now), now)
	if len(l.fails) > 10000 {
		for a := range l.fails {
			if len(l.prune(a, now)) == 0 {
				delete(l.fails, a)
			}
		}
	}
}

func (l *Limiter) prune(addr string, now time.Time) []time.Time {
	ts := l.fails[addr]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, addr)
		return nil
	}
	l.fails[addr] = ts
	return ts
}

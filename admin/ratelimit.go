package admin

import (
	"sync"
	"time"
)

// loginLimiter counts failed logins per client address over a sliding window.
type loginLimiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	fails map[string][]time.Time
}

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, fails: make(map[string][]time.Time)}
}

// recent drops failures older than the window; call with mu held.
func (l *loginLimiter) recent(ip string, now time.Time) []time.Time {
	kept := l.fails[ip][:0]
	for _, t := range l.fails[ip] {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(l.fails, ip)
		return nil
	}
	l.fails[ip] = kept
	return kept
}

// blocked reports whether ip has used up its failures for now.
func (l *loginLimiter) blocked(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(ip, now)) >= l.max
}

// fail records a failed login from ip.
func (l *loginLimiter) fail(ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 10000 { // many addresses: forget the quiet ones
		for other := range l.fails {
			l.recent(other, now)
		}
	}
	l.fails[ip] = append(l.recent(ip, now), now)
}

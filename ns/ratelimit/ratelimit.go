// Package ratelimit counts attempts per key in a sliding window (password
// and ticket brute force) for the token service, the admin console and the
// notification server, and paces commands per key with a token bucket (XFR,
// CAL).
package ratelimit

import (
	"sync"
	"time"
)

// Limiter counts failed attempts per key (a client address, an account) in a
// sliding window; a key over the limit is refused until its window passes.
type Limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	fails map[string][]time.Time
}

// New allows max failures per window per key.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// Allow reports whether key may try again now.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(key, time.Now())) < l.max
}

// Fail records a failed attempt by key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.record(key, time.Now())
}

// Attempt is an attempt counted in advance by Reserve.
type Attempt struct {
	l    *Limiter
	keys []string
	at   time.Time
}

// Reserve counts one attempt against every key before the caller checks
// the credential, so concurrent attempts cannot all pass the check before
// any failure is counted. It counts nothing and returns false when any key
// is at its limit. Call Succeeded when the credential was right; a failure
// needs no call, the attempt already counts.
func (l *Limiter) Reserve(keys ...string) (*Attempt, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.prune(k, now)) >= l.max {
			return nil, false
		}
	}
	for _, k := range keys {
		l.record(k, now)
	}
	return &Attempt{l: l, keys: keys, at: now}, true
}

// Succeeded takes the attempt back off every key: a right credential does
// not use up the budget.
func (a *Attempt) Succeeded() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	for _, k := range a.keys {
		ts := a.l.fails[k]
		for i := len(ts) - 1; i >= 0; i-- {
			if ts[i].Equal(a.at) {
				a.l.fails[k] = append(ts[:i:i], ts[i+1:]...)
				break
			}
		}
		if len(a.l.fails[k]) == 0 {
			delete(a.l.fails, k)
		}
	}
}

func (l *Limiter) record(key string, now time.Time) {
	l.fails[key] = append(l.prune(key, now), now)
	if len(l.fails) > 10000 {
		for k := range l.fails {
			l.prune(k, now)
		}
	}
}

func (l *Limiter) prune(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}

// Rate paces an action per key with a token bucket: burst at once, then one
// per interval.
type Rate struct {
	burst    int
	interval time.Duration

	mu      sync.Mutex // leaf
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRate allows burst actions at once per key, then one per interval.
func NewRate(burst int, interval time.Duration) *Rate {
	return &Rate{burst: burst, interval: interval, buckets: map[string]*bucket{}}
}

// Allow takes a token for key, reporting false when there is none.
func (r *Rate) Allow(key string) bool {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buckets[key]
	if b == nil {
		if len(r.buckets) > 10000 { // forget keys whose buckets have refilled
			for k, o := range r.buckets {
				if r.refill(o, now) >= float64(r.burst) {
					delete(r.buckets, k)
				}
			}
		}
		b = &bucket{tokens: float64(r.burst), last: now}
		r.buckets[key] = b
	}
	b.tokens = r.refill(b, now)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (r *Rate) refill(b *bucket, now time.Time) float64 {
	return min(float64(r.burst), b.tokens+float64(now.Sub(b.last))/float64(r.interval))
}

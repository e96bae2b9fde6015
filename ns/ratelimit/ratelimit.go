// Package ratelimit counts attempts per key in a sliding window (password
// and ticket brute force at the token service, the admin console, the
// notification server and the Yahoo! token login; offline messages per
// sender) and paces commands per key with a token bucket (XFR, CAL).
//
// Both are bounded: keys whose window has passed are swept once the table
// has doubled since the last sweep (so a sweep costs O(1) per call,
// amortised), and at MaxKeys live keys arbitrary ones are dropped, so a
// flood of distinct keys costs a fixed amount of memory. (Making up keys
// cannot reset a victim's count cheaply: every attempt also counts against
// the attempter's own address.)
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// MaxKeys bounds the keys a Limiter or Rate keeps.
const MaxKeys = 100_000

// minSweep is the table size below which no sweep runs.
const minSweep = 1024

// nextSweep is the table size of the next sweep after one left n keys: when
// the table has doubled, never past MaxKeys. A sweep leaves at most
// MaxKeys/2, so sweeps stay O(1) per call, amortised.
func nextSweep(n int) int { return min(max(2*n, minSweep), MaxKeys) }

// Limiter counts attempts per key (a client address, an account, a sender)
// in a sliding window; a key at the limit is refused until its oldest
// attempt leaves the window.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	fails   map[string][]time.Time
	sweepAt int // sweep when the table reaches this size

	// Attempts of ReserveWait not yet settled, per key, and the channel
	// closed (and replaced) whenever one settles.
	inflight map[string]int
	settled  chan struct{}
}

// New allows max attempts per window per key.
func New(max int, window time.Duration) *Limiter {
	return NewWithClock(max, window, time.Now)
}

// NewWithClock is New with the caller's clock (tests, or a service that
// keeps its own).
func NewWithClock(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}, sweepAt: minSweep,
		inflight: map[string]int{}, settled: make(chan struct{})}
}

// Allow reports whether key may try again now.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(key, l.now())) < l.max
}

// Fail records a failed attempt by key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.record(key, l.now())
}

// Attempt is an attempt counted in advance by Reserve.
type Attempt struct {
	l    *Limiter
	keys []string
	at   time.Time

	inflight bool // from ReserveWait: counted in l.inflight until settled
}

// Reserve counts one attempt against every key before the caller checks
// the credential, so concurrent attempts cannot all pass the check before
// any failure is counted. It counts nothing and returns false when any key
// is at its limit. Call Succeeded when the credential was right; a failure
// needs no call, the attempt already counts.
func (l *Limiter) Reserve(keys ...string) (*Attempt, bool) {
	now := l.now()
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

// ReserveWait is Reserve for a check that many honest clients may make at
// once from one address (a reconnect storm after a restart, a LAN party
// behind one router): a key that is full only because of attempts still
// being checked is waited for, until one of them settles or ctx ends,
// instead of refused. A key full of settled attempts (failures) is refused
// at once, so guessing gains nothing: concurrent guesses are checked a
// window's worth at a time. The caller must call Done (a failure) or
// Succeeded when the check is over.
func (l *Limiter) ReserveWait(ctx context.Context, keys ...string) (*Attempt, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		now := l.now()
		full, waitable := false, true
		for _, k := range keys {
			if n := len(l.prune(k, now)); n >= l.max {
				full = true
				if n-l.inflight[k] >= l.max {
					waitable = false
				}
			}
		}
		if !full {
			for _, k := range keys {
				l.record(k, now)
				l.inflight[k]++
			}
			return &Attempt{l: l, keys: keys, at: now, inflight: true}, true
		}
		if !waitable {
			return nil, false
		}
		ch := l.settled
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		l.mu.Lock()
		if ctx.Err() != nil {
			return nil, false
		}
	}
}

// Done settles an attempt of ReserveWait that was not Succeeded: it stays
// counted, as a failure. Calling it after Succeeded or Cancel, or twice,
// does nothing, so it can be deferred.
func (a *Attempt) Done() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	a.settleLocked()
}

// settleLocked takes a ReserveWait attempt out of the in-flight counts and
// wakes the waiters.
func (a *Attempt) settleLocked() {
	if !a.inflight {
		return
	}
	a.inflight = false
	for _, k := range a.keys {
		if a.l.inflight[k]--; a.l.inflight[k] <= 0 {
			delete(a.l.inflight, k)
		}
	}
	close(a.l.settled)
	a.l.settled = make(chan struct{})
}

// Succeeded takes the attempt back off every key: a right credential does
// not use up the budget.
func (a *Attempt) Succeeded() { a.Cancel() }

// Cancel takes the attempt back off every key: what was counted did not
// happen after all (an offline message that failed to store).
func (a *Attempt) Cancel() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	a.settleLocked()
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
	if len(l.fails) >= l.sweepAt {
		for k := range l.fails {
			l.prune(k, now)
		}
		for k := range l.fails { // still too many live keys: drop some
			if len(l.fails) <= MaxKeys/2 {
				break
			}
			if k != key {
				delete(l.fails, k)
			}
		}
		l.sweepAt = nextSweep(len(l.fails))
	}
}

// prune drops key's attempts that have left the window (an attempt exactly
// one window old has left it).
func (l *Limiter) prune(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
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

	mu      sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	buckets map[string]*bucket
	sweepAt int
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRate allows burst actions at once per key, then one per interval.
func NewRate(burst int, interval time.Duration) *Rate {
	return &Rate{burst: burst, interval: interval, buckets: map[string]*bucket{}, sweepAt: minSweep}
}

// Allow takes a token for key, reporting false when there is none.
func (r *Rate) Allow(key string) bool {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buckets[key]
	if b == nil {
		if len(r.buckets) >= r.sweepAt { // forget keys whose buckets have refilled
			for k, o := range r.buckets {
				if r.refill(o, now) >= float64(r.burst) {
					delete(r.buckets, k)
				}
			}
			for k := range r.buckets {
				if len(r.buckets) <= MaxKeys/2 {
					break
				}
				delete(r.buckets, k)
			}
			r.sweepAt = nextSweep(len(r.buckets))
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

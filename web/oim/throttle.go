package oim

import (
	"sync"
	"time"
)

// throttle allows each sender max stored messages per sliding window
// (SenderThrottleLimitExceeded beyond, §3.4).
type throttle struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	sent map[string][]time.Time
}

func newThrottle(max int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{max: max, window: window, now: now, sent: map[string][]time.Time{}}
}

// take records a Store by sender and reports whether it is within the limit;
// a refused Store is not counted.
func (t *throttle) take(sender string) bool {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.prune(sender, now)
	if len(ts) >= t.max {
		return false
	}
	t.sent[sender] = append(ts, now)
	if len(t.sent) > pruneAbove {
		for s := range t.sent {
			t.prune(s, now)
		}
	}
	return true
}

// undo forgets sender's latest Store (it failed after passing the throttle).
func (t *throttle) undo(sender string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ts := t.sent[sender]; len(ts) > 0 {
		t.sent[sender] = ts[:len(ts)-1]
	}
}

func (t *throttle) prune(sender string, now time.Time) []time.Time {
	ts := t.sent[sender]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= t.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(t.sent, sender)
		return nil
	}
	t.sent[sender] = ts
	return ts
}

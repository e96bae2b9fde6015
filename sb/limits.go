package sb

import "time"

// callLimiter is a token bucket for CAL on one connection: burst calls at
// once, then one per interval (switchboard.md §4: the historic server
// answered a burst of invitations with 713).
type callLimiter struct {
	tokens float64
	last   time.Time
}

func (l *callLimiter) allow(now time.Time, burst int, interval time.Duration) bool {
	if l.last.IsZero() {
		l.tokens = float64(burst)
	} else if d := now.Sub(l.last); d > 0 {
		l.tokens = min(float64(burst), l.tokens+float64(d)/float64(interval))
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

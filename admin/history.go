package admin

import "sync"

// history keeps the latest broadcasts in memory, newest first.
type history struct {
	max int

	mu    sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	items []SentBroadcast
}

func newHistory(max int) *history { return &history{max: max} }

func (h *history) add(b SentBroadcast) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.items = append([]SentBroadcast{b}, h.items...)
	if len(h.items) > h.max {
		h.items = h.items[:h.max]
	}
}

func (h *history) list() []SentBroadcast {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]SentBroadcast(nil), h.items...)
}

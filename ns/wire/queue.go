package wire

import (
	"net"
	"sync"
	"time"
)

// Queue is a connection's outgoing side. Replies and pushes from any
// goroutine are appended to one pending buffer under a short mutex; a writer
// goroutine runs only while data is pending, so an idle connection costs no
// goroutine besides its reader. A connection whose pending data exceeds the
// limit (a client that does not read) is dropped instead of blocking senders.
type Queue struct {
	conn         net.Conn
	limit        int
	writeTimeout time.Duration

	mu       sync.Mutex // tier 1 (leaf; lock order in ns/hub): never held while calling out
	pending  []byte
	spare    []byte
	writing  bool
	closing  bool // close once pending is written
	closed   bool
	overflow bool

	// ReleaseIdle drops the buffers whenever the queue empties, so an idle
	// connection holds none (the NS sets it; a busy switchboard reuses them).
	ReleaseIdle bool
}

// DefaultQueueLimit is the most a slow reader may have pending before it is dropped.
const DefaultQueueLimit = 1 << 20

// NewQueue returns the outgoing queue of conn.
func NewQueue(conn net.Conn, limit int) *Queue {
	if limit <= 0 {
		limit = DefaultQueueLimit
	}
	return &Queue{conn: conn, limit: limit, writeTimeout: 30 * time.Second}
}

// Send queues a copy of b (the caller may reuse b at once); it never blocks
// on the network. It reports false when the
// connection is closed or was just dropped for overflowing.
func (q *Queue) Send(b []byte) bool {
	q.mu.Lock()
	if q.closed || q.closing {
		q.mu.Unlock()
		return false
	}
	if len(q.pending)+len(b) > q.limit {
		q.overflow, q.closed = true, true
		q.pending = nil
		q.mu.Unlock()
		q.conn.Close()
		return false
	}
	q.pending = append(q.pending, b...)
	start := !q.writing
	q.writing = true
	q.mu.Unlock()
	if start {
		go q.drain()
	}
	return true
}

// CloseAfter queues b (may be nil) and closes the connection once everything
// queued before it is written.
func (q *Queue) CloseAfter(b []byte) {
	q.mu.Lock()
	if q.closed || q.closing {
		q.mu.Unlock()
		return
	}
	q.pending = append(q.pending, b...)
	q.closing = true
	start := !q.writing
	q.writing = true
	q.mu.Unlock()
	if start {
		go q.drain()
	}
}

// Close closes the connection now, dropping anything pending.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.pending = nil
	q.mu.Unlock()
	q.conn.Close()
}

// Overflowed reports whether the queue dropped its connection for a slow reader.
func (q *Queue) Overflowed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.overflow
}

// Closed reports whether the queue accepts no more data.
func (q *Queue) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed || q.closing
}

func (q *Queue) drain() {
	for {
		q.mu.Lock()
		if q.closed || len(q.pending) == 0 {
			q.writing = false
			if q.ReleaseIdle {
				q.pending, q.spare = nil, nil
			}
			closeNow := q.closing && !q.closed
			if closeNow {
				q.closed = true
			}
			q.mu.Unlock()
			if closeNow {
				q.conn.Close()
			}
			return
		}
		out := q.pending
		q.pending = q.spare[:0]
		q.mu.Unlock()

		q.conn.SetWriteDeadline(time.Now().Add(q.writeTimeout))
		_, err := q.conn.Write(out)

		q.mu.Lock()
		if keepBuffer(out) {
			q.spare = out[:0]
		} else {
			q.spare = nil
		}
		if err != nil {
			q.closed = true
			q.pending = nil
			q.writing = false
			q.mu.Unlock()
			q.conn.Close()
			return
		}
		q.mu.Unlock()
	}
}

// Buffers a busy queue keeps between writes: a relaying switchboard member
// gets batches of up to a window of messages, and growing a fresh buffer for
// each batch costs more than the relay itself.
const (
	keepMax   = 256 << 10 // bigger buffers are let go
	keepSmall = 16 << 10  // kept whatever the batch
)

// keepBuffer reports whether a written buffer is worth reusing: not too big,
// and not much bigger than the batch it carried, so a conversation that
// quietens does not hold the buffer of its busiest moment.
func keepBuffer(out []byte) bool {
	c := cap(out)
	return c <= keepSmall || (c <= keepMax && len(out) >= c/8)
}

//go:build unix

package wire

import (
	"io"
	"syscall"
)

const idleWaitSupported = true

// fillIdle reads into an empty buffer. When the socket has nothing yet, the
// buffer goes back to the pool before the wait (Go's poller wakes the
// goroutine when data arrives, as for an ordinary read, and the read
// deadline still applies), and a buffer is taken again to read.
func (r *Reader) fillIdle() error {
	var k int
	var rerr error
	err := r.raw.Read(func(fd uintptr) bool {
		if r.buf == nil {
			r.take()
		}
		for {
			k, rerr = syscall.Read(int(fd), r.buf)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			r.release()
			rerr = nil
			return false // wait for data
		}
		return true
	})
	switch {
	case err != nil:
		return err
	case rerr != nil:
		return rerr
	case k <= 0:
		return io.EOF
	}
	r.w = k
	r.n += int64(k)
	return nil
}

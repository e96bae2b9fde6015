package wire

import (
	"bytes"
	"io"
	"sync"
	"syscall"
)

// Reader reads MSNP lines and payloads from a connection. On a socket it
// holds no buffer while the connection is idle: it waits for data with the
// buffer back in a pool shared by all connections, so ten thousand idle
// users cost no read buffers.
type Reader struct {
	src  io.Reader
	raw  syscall.RawConn // the socket, when idle waits can go without a buffer
	size int
	bufp *[]byte // from the pool when len(*bufp) == size
	buf  []byte
	r, w int   // unread data is buf[r:w]
	n    int64 // bytes read from src in total
}

// NewReader wraps r with a small buffer; long lines are gathered up to MaxLine.
func NewReader(r io.Reader) *Reader { return NewReaderSize(r, 1024) }

// NewReaderSize is NewReader with a read buffer of size bytes: a busy
// connection (a switchboard relaying many messages) reads more lines per
// system call with a larger one.
func NewReaderSize(r io.Reader, size int) *Reader {
	if size < 16 {
		size = 16
	}
	rd := &Reader{src: r, size: size}
	if sc, ok := r.(syscall.Conn); ok && idleWaitSupported {
		if raw, err := sc.SyscallConn(); err == nil {
			rd.raw = raw
		}
	}
	return rd
}

// ReadLine returns the next line without its "\r\n" (or bare "\n"). The
// returned slice is valid until the next read.
func (r *Reader) ReadLine() ([]byte, error) {
	scanned := 0 // bytes of buf[r:w] known to hold no '\n'
	for {
		if i := bytes.IndexByte(r.buf[r.r+scanned:r.w], '\n'); i >= 0 {
			end := r.r + scanned + i
			line := r.buf[r.r:end]
			r.r = end + 1
			if len(line) > MaxLine {
				return nil, ErrLineTooLong
			}
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		scanned = r.w - r.r
		if scanned > MaxLine+1 {
			return nil, ErrLineTooLong
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more data behind what is buffered, making room first: the
// unread part moves to the front, and a buffer full of one unfinished line
// grows (up to what MaxLine needs).
func (r *Reader) fill() error {
	if r.r == r.w {
		r.r, r.w = 0, 0
		if r.raw != nil {
			return r.fillIdle()
		}
	}
	if r.buf == nil {
		r.take()
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if r.w == len(r.buf) {
		grown := make([]byte, 2*len(r.buf))
		copy(grown, r.buf[:r.w])
		r.release()
		r.buf = grown
	}
	k, err := r.src.Read(r.buf[r.w:])
	if k > 0 {
		r.w += k
		r.n += int64(k)
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// take gets a buffer of the reader's size from the pool.
func (r *Reader) take() {
	r.bufp = pool(r.size).Get().(*[]byte)
	r.buf = *r.bufp
}

// release hands the buffer back (a grown one is left to the collector).
func (r *Reader) release() {
	if r.bufp != nil && len(r.buf) == r.size {
		pool(r.size).Put(r.bufp)
	}
	r.bufp, r.buf = nil, nil
}

// Buffered reports how many bytes are already read ahead.
func (r *Reader) Buffered() int { return r.w - r.r }

// BytesRead is the number of bytes read from the connection so far.
func (r *Reader) BytesRead() int64 { return r.n }

// ReadPayload reads exactly n bytes.
func (r *Reader) ReadPayload(n int) ([]byte, error) {
	buf := make([]byte, n)
	return buf, r.readFull(buf)
}

// ReadPayloadInto reads exactly n bytes into buf's storage (grown when too
// small) and returns them: for a caller that is done with the payload before
// its next read, so a connection reuses one buffer.
func (r *Reader) ReadPayloadInto(buf []byte, n int) ([]byte, error) {
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	return buf, r.readFull(buf)
}

func (r *Reader) readFull(p []byte) error {
	for len(p) > 0 {
		if r.r == r.w {
			if err := r.fill(); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		k := copy(p, r.buf[r.r:r.w])
		r.r += k
		p = p[k:]
	}
	return nil
}

// DiscardPayload skips n payload bytes without keeping them.
func (r *Reader) DiscardPayload(n int) error {
	for n > 0 {
		if r.r == r.w {
			if err := r.fill(); err != nil {
				return err
			}
		}
		k := min(n, r.w-r.r)
		r.r += k
		n -= k
	}
	return nil
}

var pools sync.Map // buffer size → *sync.Pool of *[]byte

func pool(size int) *sync.Pool {
	if p, ok := pools.Load(size); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(size, &sync.Pool{New: func() any {
		b := make([]byte, size)
		return &b
	}})
	return p.(*sync.Pool)
}

package sb

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Relay benchmarks. Each sends b.N text messages (126 bytes, ack U, the
// commonest MSG) from one member and reads them at the other over loopback
// TCP. The baseline relays the same lines through a bare line reader and
// writer with no protocol, so the switchboard's cost is the ratio of the two
// msgs/s figures.

const benchWindow = 256 // messages a sender may be ahead of its receiver
const benchChunk = 32   // messages per write

// relayPair is one sending and one receiving connection of a relay.
type relayPair struct {
	send, recv net.Conn
	perMsg     int // bytes the receiver gets per message
}

// runRelay pushes n messages through every pair at once and returns the
// elapsed time. Senders stay at most benchWindow messages ahead, as a real
// client waits for its TCP window.
func runRelay(b *testing.B, pairs []relayPair, n int) time.Duration {
	msg := []byte("MSG 1 U 126\r\n" + textHello)
	chunk := bytes.Repeat(msg, benchChunk)
	per := (n + len(pairs) - 1) / len(pairs)
	var wg sync.WaitGroup
	start := time.Now()
	for _, p := range pairs {
		credit := make(chan struct{}, benchWindow/benchChunk)
		for range cap(credit) {
			credit <- struct{}{}
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for sent := 0; sent < per; sent += benchChunk {
				<-credit
				k := min(benchChunk, per-sent)
				if _, err := p.send.Write(chunk[:k*len(msg)]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			want, got, credited := per*p.perMsg, 0, 0
			for got < want {
				p.recv.SetReadDeadline(time.Now().Add(10 * time.Second))
				k, err := p.recv.Read(buf)
				if err != nil {
					b.Errorf("after %d of %d bytes: %v", got, want, err)
					return
				}
				got += k
				for ; (credited+1)*benchChunk*p.perMsg <= got; credited++ {
					credit <- struct{}{}
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func reportRelay(b *testing.B, d time.Duration) {
	b.ReportMetric(float64(b.N)/d.Seconds(), "msgs/s")
}

// switchboardPairs opens n two-member sessions; alice_i sends, bob_i receives.
func switchboardPairs(b *testing.B, e *testEnv, n int) []relayPair {
	pairs := make([]relayPair, n)
	for i := range pairs {
		alice := e.login(fmt.Sprintf("alice%d@hotmail.com", i), "Alice")
		bob := e.login(fmt.Sprintf("bob%d@hotmail.com", i), "Bob")
		sbs := e.chat(alice, bob)
		header := fmt.Sprintf("MSG %s Alice 126\r\n", alice.email)
		pairs[i] = relayPair{send: sbs[0].Conn, recv: sbs[1].Conn, perMsg: len(header) + 126}
	}
	return pairs
}

func BenchmarkRelayOneSession(b *testing.B) {
	e := newEnv(b, Options{})
	pairs := switchboardPairs(b, e, 1)
	b.ReportAllocs()
	b.ResetTimer()
	reportRelay(b, runRelay(b, pairs, b.N))
}

func BenchmarkRelayManySessions(b *testing.B) {
	e := newEnv(b, Options{})
	pairs := switchboardPairs(b, e, 64)
	b.ReportAllocs()
	b.ResetTimer()
	reportRelay(b, runRelay(b, pairs, b.N))
}

// baselineRelay is the bare line relay: read a line, read its payload, write
// both to the other connection, flush when the input runs dry.
func baselineRelay(in, out net.Conn) {
	r := bufio.NewReaderSize(in, 4096)
	w := bufio.NewWriterSize(out, 4096)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		f := bytes.Fields(line)
		n, _ := strconv.Atoi(string(f[len(f)-1]))
		w.Write(line)
		if _, err := io.CopyN(w, r, int64(n)); err != nil {
			return
		}
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

func baselinePairs(b *testing.B, n int) []relayPair {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	accept := func() net.Conn {
		c, err := l.Accept()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return c
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return c
	}
	pairs := make([]relayPair, n)
	for i := range pairs {
		send := dial()
		in := accept()
		recv := dial()
		out := accept()
		go baselineRelay(in, out)
		pairs[i] = relayPair{send: send, recv: recv, perMsg: len("MSG 1 U 126\r\n") + 126}
	}
	return pairs
}

func BenchmarkBaselineLineRelay(b *testing.B) {
	pairs := baselinePairs(b, 1)
	b.ReportAllocs()
	b.ResetTimer()
	reportRelay(b, runRelay(b, pairs, b.N))
}

func BenchmarkBaselineLineRelayMany(b *testing.B) {
	pairs := baselinePairs(b, 64)
	b.ReportAllocs()
	b.ResetTimer()
	reportRelay(b, runRelay(b, pairs, b.N))
}

// memConn is an in-memory connection: reads come from r (EOF at its end),
// writes are discarded.
type memConn struct {
	r io.Reader
}

func (m *memConn) Read(p []byte) (int, error)       { return m.r.Read(p) }
func (m *memConn) Write(p []byte) (int, error)      { return len(p), nil }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return memAddr{} }
func (m *memConn) RemoteAddr() net.Addr             { return memAddr{} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

// repeatReader yields msg n times.
type repeatReader struct {
	msg  []byte
	n    int
	off  int
	sent int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 && r.sent < r.n {
		k := copy(p, r.msg[r.off:])
		p, total, r.off = p[k:], total+k, r.off+k
		if r.off == len(r.msg) {
			r.off, r.sent = 0, r.sent+1
		}
	}
	if total == 0 {
		return 0, io.EOF
	}
	return total, nil
}

// memberConn makes a connection of u that is already in sess.
func memberConn(s *Server, u *user, sess *session, r io.Reader) *conn {
	c := s.newConn(&memConn{r: r})
	c.email, c.user = u.email, u.ns
	u.ns.AddSwitchboards(1)
	c.enter(sess)
	return c
}

// BenchmarkRelayInMemory runs the whole command path (line read, parse,
// payload read, relay, queue copy) without sockets, so allocs/op is the
// switchboard's own cost per relayed message.
func BenchmarkRelayInMemory(b *testing.B) {
	for _, ack := range []string{"U", "A"} {
		b.Run(ack, func(b *testing.B) {
			e := newEnv(b, Options{})
			alice := e.login("alice@hotmail.com", "Alice")
			bob := e.login("bob@hotmail.com", "Bob")
			sess := e.srv.newSession()
			receiver := memberConn(e.srv, bob, sess, bytes.NewReader(nil))
			sess.start(receiver)
			msg := []byte("MSG 1 " + ack + " 126\r\n" + textHello)
			sender := memberConn(e.srv, alice, sess, &repeatReader{msg: msg, n: b.N})
			sess.setMembersLocked(append(sess.members[:1:1], sender))
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			b.ResetTimer()
			e.srv.run(sender)
			b.StopTimer()
			if got := sess.messages.Load(); got != int64(b.N) {
				b.Fatalf("relayed %d of %d", got, b.N)
			}
			receiver.q.Close()
		})
	}
}

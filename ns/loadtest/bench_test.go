package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"msnserver/ns"
)

// benchRunner is a runner for the server in this process, without Run: the
// benchmarks drive its clients themselves.
func benchRunner(tb testing.TB, ts *testServer, clients, contacts int) *runner {
	cfg := ts.config(clients, ScenarioPresence)
	cfg.Contacts = contacts
	if err := cfg.defaults(); err != nil {
		tb.Fatal(err)
	}
	r := newRunner(&cfg)
	tb.Cleanup(func() { r.stopping.Store(true) })
	return r
}

// loginAll logs every client in, a few at a time.
func loginAll(tb testing.TB, r *runner) []*pconn {
	conns := make([]*pconn, len(r.clients))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, len(r.clients))
	for i, cl := range r.clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := cl.login(context.Background())
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for _, c := range conns {
			c.close(false)
		}
	})
	return conns
}

// BenchmarkPresenceFanout times one status change (CHG) until every watcher
// has read its NLN, over real connections, and the same through a bare
// fan-out in the same run: a goroutine that reads the CHG line and writes one
// NLN line to each watcher socket, with no protocol. One op is one change
// delivered to N watchers by each; "of-bare" is the bare time over the
// server's (1 = as fast as the bare fan-out). p50/p99 are the server's
// per-watcher delivery latencies.
func BenchmarkPresenceFanout(b *testing.B) {
	for _, watchers := range []int{50, 100} {
		b.Run(fmt.Sprintf("watchers=%d", watchers), func(b *testing.B) {
			n := watchers + 1 // everyone has everyone else as a contact
			ts := startServer(b, ns.Options{}, seeded(b, n, watchers))
			r := benchRunner(b, ts, n, watchers)
			conns := loginAll(b, r)
			r.notify = make(chan struct{}, watchers)
			actor, c := r.clients[0], conns[0]
			bare := newBareFanout(b, watchers)
			ctx := context.Background()
			var server, baseline time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if err := actor.changeStatus(ctx, c); err != nil {
					b.Fatal(err)
				}
				for range watchers {
					select {
					case <-r.notify:
					case <-time.After(10 * time.Second):
						b.Fatal("a watcher did not get the NLN")
					}
				}
				server += time.Since(start)
				baseline += bare.change(b)
			}
			b.StopTimer()
			b.ReportMetric(float64(server.Nanoseconds())/float64(b.N), "server-ns/change")
			b.ReportMetric(float64(baseline.Nanoseconds())/float64(b.N), "bare-ns/change")
			b.ReportMetric(float64(baseline)/float64(server), "of-bare")
			b.ReportMetric(float64(r.m.presence.Quantile(0.5).Microseconds()), "p50-µs")
			b.ReportMetric(float64(r.m.presence.Quantile(0.99).Microseconds()), "p99-µs")
		})
	}
}

// bareFanout is the fan-out baseline: one actor socket, n watcher sockets,
// and a server goroutine that answers each line from the actor with one NLN
// line written to every watcher.
type bareFanout struct {
	actor net.Conn
	got   chan struct{}
	n     int
}

func newBareFanout(b *testing.B, n int) *bareFanout {
	ln := listen(b)
	b.Cleanup(func() { ln.Close() })
	dial := func() (net.Conn, net.Conn) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close(); s.Close() })
		return c, s
	}
	f := &bareFanout{got: make(chan struct{}, n), n: n}
	var in net.Conn
	f.actor, in = dial()
	outs := make([]net.Conn, n)
	for i := range outs {
		var w net.Conn
		w, outs[i] = dial()
		go func() {
			r := bufio.NewReader(w)
			for {
				if _, err := r.ReadSlice('\n'); err != nil {
					return
				}
				f.got <- struct{}{}
			}
		}()
	}
	go func() {
		r := bufio.NewReader(in)
		nln := []byte("NLN BSY lt0@example.com 1 lt0 1611513916 0\r\n")
		for {
			if _, err := r.ReadSlice('\n'); err != nil {
				return
			}
			for _, o := range outs {
				o.Write(nln)
			}
		}
	}()
	return f
}

// change sends one line and waits until every watcher has read its NLN.
func (f *bareFanout) change(b *testing.B) time.Duration {
	start := time.Now()
	if _, err := f.actor.Write([]byte("CHG 1 BSY 0\r\n")); err != nil {
		b.Fatal(err)
	}
	for range f.n {
		select {
		case <-f.got:
		case <-time.After(10 * time.Second):
			b.Fatal("a bare watcher did not get its line")
		}
	}
	return time.Since(start)
}

// Relay benchmarks: 20 sessions in parallel, each pushing 100-byte messages
// (ack type U) from one member to the other as fast as a window of 256
// messages allows. "bare" sends the same lines through a minimal line relay
// (read a line, read its payload, write both to the other socket), so the
// switchboard's msgs/s is reported against it. The receivers are the load
// tool's own switchboard readers in both cases.

const (
	relaySessions = 20
	relayWindow   = 256
	relayChunk    = 32
	relayPayload  = 100
)

type relayPair struct {
	send net.Conn
	recv *sbConn
}

// relayChunkBytes is relayChunk MSG commands; stamp rewrites their send times.
type relayChunkBytes struct {
	b     []byte
	slots []int // offsets of the 19-digit timestamps
	size  int   // bytes per message
}

func newRelayChunk() *relayChunkBytes {
	var c relayChunkBytes
	head := "MSG 1 U " + strconv.Itoa(relayPayload) + "\r\n" + msgHead
	for range relayChunk {
		start := len(c.b)
		c.b = append(c.b, head...)
		c.slots = append(c.slots, len(c.b))
		c.b = append(c.b, "0000000000000000000 "...)
		for len(c.b)-start < len(head)-len(msgHead)+relayPayload {
			c.b = append(c.b, 'x')
		}
		c.size = len(c.b) - start
	}
	return &c
}

func (c *relayChunkBytes) stamp() {
	ts := strconv.AppendInt(make([]byte, 0, 19), time.Now().UnixNano(), 10)
	for _, off := range c.slots {
		copy(c.b[off:off+19], ts)
	}
}

func runRelay(b *testing.B, pairs []relayPair, n int) time.Duration {
	per := (n + len(pairs) - 1) / len(pairs)
	var wg sync.WaitGroup
	start := time.Now()
	for _, p := range pairs {
		base := p.recv.recv.Load()
		wg.Add(2)
		go func() {
			defer wg.Done()
			chunk := newRelayChunk()
			for sent := 0; sent < per; {
				if int64(sent)-(p.recv.recv.Load()-base) >= relayWindow {
					time.Sleep(20 * time.Microsecond)
					continue
				}
				k := min(relayChunk, per-sent)
				chunk.stamp()
				if _, err := p.send.Write(chunk.b[:k*chunk.size]); err != nil {
					b.Error(err)
					return
				}
				sent += k
			}
		}()
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(30 * time.Second)
			for p.recv.recv.Load()-base < int64(per) {
				if time.Now().After(deadline) {
					b.Errorf("received %d of %d", p.recv.recv.Load()-base, per)
					return
				}
				time.Sleep(20 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// bareRelay copies MSG commands from in to out: a line, then its payload.
func bareRelay(in, out net.Conn) {
	r := bufio.NewReaderSize(in, 4096)
	w := bufio.NewWriterSize(out, 4096)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		i := bytes.LastIndexByte(line, ' ')
		n, _ := strconv.Atoi(string(bytes.TrimRight(line[i+1:], "\r\n")))
		w.Write(line)
		if _, err := io.CopyN(w, r, int64(n)); err != nil {
			return
		}
		if r.Buffered() == 0 && w.Flush() != nil {
			return
		}
	}
}

// BenchmarkRelay20 relays b.N messages through the switchboard and then
// through the bare relay, in the same run: "msgs/s" is the switchboard's,
// "bare-msgs/s" the bare relay's and "of-bare" their ratio.
func BenchmarkRelay20(b *testing.B) {
	bare := bareRelayPairs(b)
	sb := switchboardPairs(b)
	b.ResetTimer()
	dSB := runRelay(b, sb, b.N)
	dBare := runRelay(b, bare, b.N)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/dSB.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/dBare.Seconds(), "bare-msgs/s")
	b.ReportMetric(dBare.Seconds()/dSB.Seconds(), "of-bare")
}

// bareRelayPairs joins each sender to its receiver through bareRelay.
func bareRelayPairs(b *testing.B) []relayPair {
	ts := startServer(b, ns.Options{}, nil) // only for a runner's config
	r := benchRunner(b, ts, relaySessions, 0)
	ln := listen(b)
	b.Cleanup(func() { ln.Close() })
	pairs := make([]relayPair, relaySessions)
	for i := range pairs {
		dial := func() net.Conn {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			return c
		}
		accept := func() net.Conn {
			c, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			return c
		}
		send, in := dial(), accept()
		recv, out := dial(), accept()
		go bareRelay(in, out)
		pairs[i] = relayPair{send: send, recv: r.clients[i].newSB(recv)}
		b.Cleanup(func() {
			send.Close()
			in.Close()
			out.Close()
			pairs[i].recv.close(false)
		})
	}
	return pairs
}

// switchboardPairs opens relaySessions switchboard sessions through the
// real NS and SB (XFR, USR, CAL, RNG, ANS).
func switchboardPairs(b *testing.B) []relayPair {
	n := 2 * relaySessions
	ts := startServer(b, ns.Options{}, seeded(b, n, 2))
	r := benchRunner(b, ts, n, 2)
	conns := loginAll(b, r)
	ctx := context.Background()
	pairs := make([]relayPair, relaySessions)
	for i := range pairs {
		caller, callee := r.clients[2*i], r.clients[2*i+1]
		joined := make(chan *sbConn, 1)
		go func() {
			s, err := callee.join(ctx, <-callee.rings)
			if err != nil {
				b.Error(err)
			}
			joined <- s
		}()
		s, err := caller.openSession(ctx, conns[2*i], callee)
		if err != nil {
			b.Fatal(err)
		}
		recv := <-joined
		if recv == nil {
			b.FailNow()
		}
		pairs[i] = relayPair{send: s.nc, recv: recv}
		b.Cleanup(func() {
			s.close(false)
			recv.close(false)
		})
	}
	return pairs
}

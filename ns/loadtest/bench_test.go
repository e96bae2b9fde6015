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
// has read its NLN, over real connections: one op is one CHG delivered to N
// watchers. The p50/p99 metrics are per-watcher delivery latencies.
func BenchmarkPresenceFanout(b *testing.B) {
	for _, watchers := range []int{50, 100} {
		b.Run(fmt.Sprintf("watchers=%d", watchers), func(b *testing.B) {
			n := watchers + 1 // everyone has everyone else as a contact
			ts := startServer(b, ns.Options{}, seeded(b, n, watchers))
			r := benchRunner(b, ts, n, watchers)
			conns := loginAll(b, r)
			r.notify = make(chan struct{}, watchers)
			actor, c := r.clients[0], conns[0]
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
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
			}
			b.StopTimer()
			b.ReportMetric(float64(r.m.presence.Quantile(0.5).Microseconds()), "p50-µs")
			b.ReportMetric(float64(r.m.presence.Quantile(0.99).Microseconds()), "p99-µs")
		})
	}
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

func BenchmarkRelay20(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
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
		b.ResetTimer()
		d := runRelay(b, pairs, b.N)
		b.ReportMetric(float64(b.N)/d.Seconds(), "msgs/s")
	})
	b.Run("switchboard", func(b *testing.B) {
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
		b.ResetTimer()
		d := runRelay(b, pairs, b.N)
		b.ReportMetric(float64(b.N)/d.Seconds(), "msgs/s")
	})
}

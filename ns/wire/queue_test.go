package wire

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

func TestQueueDeliversInOrderAndClosesAfter(t *testing.T) {
	a, b := net.Pipe()
	q := NewQueue(a, 0)
	got := make(chan []byte)
	go func() {
		all, _ := io.ReadAll(b)
		got <- all
	}()
	var want []byte
	for i := range 200 {
		line := Line("MSG", "x@example.com", "X", string(rune('a'+i%26)))
		want = append(want, line...)
		if !q.Send(line) {
			t.Fatal("Send refused on an open queue")
		}
	}
	q.CloseAfter([]byte("OUT\r\n"))
	want = append(want, "OUT\r\n"...)
	select {
	case all := <-got:
		if !bytes.Equal(all, want) {
			t.Fatalf("got %d bytes, want %d in order", len(all), len(want))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("queue did not close after writing")
	}
	if q.Send([]byte("late\r\n")) {
		t.Fatal("Send accepted after CloseAfter")
	}
}

func TestQueueDropsAReaderThatDoesNotRead(t *testing.T) {
	a, b := net.Pipe() // nobody reads b: the first write blocks
	defer b.Close()
	q := NewQueue(a, 1000)
	for q.Send(make([]byte, 100)) {
	}
	if !q.Overflowed() || !q.Closed() {
		t.Fatalf("overflowed %v closed %v; want both", q.Overflowed(), q.Closed())
	}
}

func TestKeepBuffer(t *testing.T) {
	for _, tc := range []struct {
		len, cap int
		keep     bool
	}{
		{10, 4 << 10, true},          // small buffers always
		{10, 16 << 10, true},         //
		{100 << 10, 128 << 10, true}, // a busy relay's batch
		{1 << 10, 128 << 10, false},  // traffic fell: let the big one go
		{300 << 10, 300 << 10, false},
	} {
		if got := keepBuffer(make([]byte, tc.len, tc.cap)); got != tc.keep {
			t.Errorf("keepBuffer(len %d, cap %d) = %v, want %v", tc.len, tc.cap, got, tc.keep)
		}
	}
}

func TestQueueReleaseIdleDropsBuffers(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	q := NewQueue(a, 0)
	q.ReleaseIdle = true
	go io.Copy(io.Discard, b)
	q.Send(make([]byte, 4096))
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.mu.Lock()
		idle := !q.writing
		held := cap(q.pending) + cap(q.spare)
		q.mu.Unlock()
		if idle {
			if held != 0 {
				t.Fatalf("idle queue holds %d bytes of buffers", held)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("queue still writing")
		}
		time.Sleep(time.Millisecond)
	}
}

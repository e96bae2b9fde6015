package memtrim

import (
	"context"
	"log/slog"
	"runtime"
	"testing"
	"time"
)

var sink [][]byte

// Memory freed by the program is returned by the trimmer's next round.
func TestRunReturnsFreeMemory(t *testing.T) {
	for range 64 {
		sink = append(sink, make([]byte, 1<<20))
	}
	sink = nil
	runtime.GC()
	if Free() < 32<<20 {
		t.Skipf("the runtime already returned the memory (%d bytes free)", Free())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Run(ctx, Options{Interval: time.Millisecond, MinFree: 1 << 20}, slog.New(slog.DiscardHandler))
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for Free() >= 32<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still free after 10 s of trimming", Free())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}

package ratelimit

import (
	"context"
	"testing"
	"time"
)

// A key full of attempts still being checked makes the next one wait, not
// fail; it goes on when one of them settles.
func TestReserveWaitWaitsForAttemptsInFlight(t *testing.T) {
	l := New(2, time.Minute)
	a1, ok1 := l.ReserveWait(context.Background(), "ip:1")
	a2, ok2 := l.ReserveWait(context.Background(), "ip:1")
	if !ok1 || !ok2 {
		t.Fatal("the first two attempts were refused")
	}
	got := make(chan bool)
	go func() {
		a, ok := l.ReserveWait(context.Background(), "ip:1")
		if ok {
			a.Succeeded()
		}
		got <- ok
	}()
	select {
	case <-got:
		t.Fatal("a third attempt went on while two were in flight")
	case <-time.After(20 * time.Millisecond): // a bound on a wrong answer only
	}
	a1.Succeeded()
	if !<-got {
		t.Fatal("the waiting attempt was refused after a slot freed")
	}
	a2.Done() // a failure: stays counted
	if n := len(l.fails["ip:1"]); n != 1 {
		t.Fatalf("%d attempts counted, want the one failure", n)
	}
}

// Settled failures refuse at once: guesses gain nothing by waiting.
func TestReserveWaitRefusesAFullWindowOfFailures(t *testing.T) {
	l := New(2, time.Minute)
	for range 2 {
		a, ok := l.ReserveWait(context.Background(), "ip:1", "account:x")
		if !ok {
			t.Fatal("refused before the limit")
		}
		a.Done()
	}
	done := make(chan bool)
	go func() {
		_, ok := l.ReserveWait(context.Background(), "ip:1")
		done <- ok
	}()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("allowed past a window full of failures")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waited on a window full of failures")
	}
	if len(l.inflight) != 0 {
		t.Fatalf("in-flight counts left: %v", l.inflight)
	}
}

func TestReserveWaitEndsWithItsContext(t *testing.T) {
	l := New(1, time.Minute)
	a, _ := l.ReserveWait(context.Background(), "ip:1")
	defer a.Done()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() {
		_, ok := l.ReserveWait(ctx, "ip:1")
		done <- ok
	}()
	cancel()
	if <-done {
		t.Fatal("allowed after its context ended")
	}
}

// Done after Succeeded, or twice, changes nothing.
func TestDoneIsIdempotent(t *testing.T) {
	l := New(3, time.Minute)
	a, _ := l.ReserveWait(context.Background(), "k")
	a.Succeeded()
	a.Done()
	a.Done()
	if len(l.fails["k"]) != 0 || len(l.inflight) != 0 {
		t.Fatalf("fails %v inflight %v", l.fails, l.inflight)
	}
}

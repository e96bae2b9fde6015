package ratelimit

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := New(3, 50*time.Millisecond)
	for i := 0; i < 3; i++ {
		if !l.Allow("1.2.3.4") {
			t.Fatalf("refused after %d failures", i)
		}
		l.Fail("1.2.3.4")
	}
	if l.Allow("1.2.3.4") {
		t.Fatal("allowed past the limit")
	}
	if !l.Allow("5.6.7.8") {
		t.Fatal("another address refused")
	}
	time.Sleep(60 * time.Millisecond)
	if !l.Allow("1.2.3.4") {
		t.Fatal("still refused after the window")
	}
}

// Concurrent attempts reserve before checking: no more than max get through
// however many arrive at once, and a success gives its place back.
func TestReserve(t *testing.T) {
	l := New(20, time.Minute)
	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := l.Reserve("ip:1.2.3.4", "acct:a@b"); ok {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if passed != 20 {
		t.Fatalf("%d attempts passed, want 20", passed)
	}
	if _, ok := l.Reserve("ip:5.6.7.8", "acct:a@b"); ok {
		t.Fatal("another address got past the account's limit")
	}
	l2 := New(1, time.Minute)
	a, _ := l2.Reserve("k")
	a.Succeeded()
	if _, ok := l2.Reserve("k"); !ok {
		t.Fatal("a success used up the budget")
	}
}

func TestRate(t *testing.T) {
	r := NewRate(3, time.Hour)
	for i := 0; i < 3; i++ {
		if !r.Allow("a") {
			t.Fatalf("refused within the burst (%d)", i)
		}
	}
	if r.Allow("a") {
		t.Fatal("allowed past the burst")
	}
	if !r.Allow("b") {
		t.Fatal("another key refused")
	}
}

// A flood of distinct keys costs bounded memory: keys whose window passed
// are swept as the table grows, and live keys stop at MaxKeys.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := NewWithClock(5, time.Minute, func() time.Time { return now })
	for i := range 50_000 {
		l.Fail("k" + strconv.Itoa(i))
	}
	now = now.Add(time.Minute)
	for i := range 10 {
		l.Fail("late" + strconv.Itoa(i))
	}
	for i := range 100_000 { // a sweep happens on the way, dropping the 50,000
		l.Fail("m" + strconv.Itoa(i))
	}
	l.mu.Lock()
	n := len(l.fails)
	_, stale := l.fails["k1"]
	l.mu.Unlock()
	if n > MaxKeys || stale {
		t.Fatalf("%d keys (max %d), stale key kept: %v", n, MaxKeys, stale)
	}
	// The window is exact: an attempt one window old no longer counts.
	l2 := NewWithClock(1, time.Minute, func() time.Time { return now })
	l2.Fail("a")
	if l2.Allow("a") {
		t.Fatal("allowed within the window")
	}
	now = now.Add(time.Minute)
	if !l2.Allow("a") {
		t.Fatal("refused one window later")
	}
}

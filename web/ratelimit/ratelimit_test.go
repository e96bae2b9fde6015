package ratelimit

import (
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

package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Concurrent account updates share transactions yet each is durable and
// counted: every change is there after a reopen, and WriteStats counts them.
func TestGroupedUpdatesDurableAndCounted(t *testing.T) {
	s, dir := openTest(t)
	const users, each = 20, 10
	for i := range users {
		if _, err := s.CreateAccount(NewAccount{Email: fmt.Sprintf("u%d@hotmail.com", i), Password: "pw"}); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := s.WriteStats()
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() {
			for j := range each {
				email := fmt.Sprintf("u%d@hotmail.com", i)
				if _, err := s.UpdateAccount(email, func(a *Account) error { a.PSM = fmt.Sprint(j); return nil }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if after, took := s.WriteStats(); after-before != users*each || took <= 0 {
		t.Fatalf("WriteStats counted %d writes (%v), want %d", after-before, took, users*each)
	}
	s.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for i := range users {
		a, err := s2.AccountByEmail(fmt.Sprintf("u%d@hotmail.com", i))
		if err != nil || a.PSM != fmt.Sprint(each-1) {
			t.Fatalf("u%d after reopen: %+v, %v", i, a, err)
		}
	}
}

// BenchmarkPersonalMessageChanges: many online users changing their
// personal message at once (each change durable before it is answered).
func BenchmarkPersonalMessageChanges(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const users = 200
	for i := range users {
		if _, err := s.CreateAccount(NewAccount{Email: fmt.Sprintf("u%d@hotmail.com", i), Password: "pw"}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetParallelism(users / 2) // goroutines per CPU: as many waiting clients as users
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		email := fmt.Sprintf("u%d@hotmail.com", next.Add(1)%users)
		for pb.Next() {
			if _, err := s.UpdateAccount(email, func(a *Account) error { a.PSM += "x"; a.PSM = a.PSM[len(a.PSM)/2:]; return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
}

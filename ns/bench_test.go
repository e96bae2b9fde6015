package ns

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"msnserver/store"
)

// BenchmarkLogin measures a full login as WLM 8 does it: the RST token
// request (with one bcrypt check at the store's cost) plus VER, CVR,
// USR TWN I, USR TWN S and the profile, on a new TCP connection.
func BenchmarkLogin(b *testing.B) {
	for _, cost := range []int{4, 10} {
		b.Run(fmt.Sprintf("bcrypt%d", cost), func(b *testing.B) {
			ts := startServer(b, Options{})
			hash, err := store.HashPassword("pw", cost)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ts.store.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Hash: hash, Name: "Alice"}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := ts.login("alice@hotmail.com", "pw")
				c.Conn.Close()
			}
			b.StopTimer()
			ts.close()
		})
	}
}

// BenchmarkIdleConnection reports the server-side cost of one idle,
// logged-in connection: heap bytes and goroutines per connection.
func BenchmarkIdleConnection(b *testing.B) {
	ts := startServer(b, Options{})
	const n = 500
	for i := 0; i < n; i++ {
		ts.addUser(fmt.Sprintf("idle%d@hotmail.com", i), "pw", "", 1)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		clients := make([]*client, 0, n)
		for i := 0; i < n; i++ {
			c := ts.login(fmt.Sprintf("idle%d@hotmail.com", i), "pw")
			c.online()
			clients = append(clients, c)
		}
		time.Sleep(100 * time.Millisecond) // writers finish; only readers remain
		runtime.GC()
		runtime.ReadMemStats(&after)
		// The client side's goroutines and buffers live in this process too:
		// each test client holds a bufio.Reader (4 KiB) and no goroutine.
		b.ReportMetric(float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse)/n, "bytes/conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
		for _, c := range clients {
			c.Conn.Close()
		}
	}
	b.StopTimer()
	ts.close()
}

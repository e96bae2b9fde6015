package backend

import (
	"fmt"
	"net/http"
	"runtime"
)

// Metrics serves GET /metrics in the Prometheus text exposition format.
func (b *Backend) Metrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		metric := func(name, typ, help string, value any) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, value)
		}
		accounts, _ := b.store.CountAccounts()
		writes, total := b.store.WriteStats()
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		metric("msn_sessions_online", "gauge", "Signed-in notification-server sessions.", b.hub.Count())
		metric("msn_switchboards_active", "gauge", "Switchboard sessions in progress.", len(b.Switchboards()))
		metric("msn_accounts", "gauge", "Accounts in the store.", accounts)
		metric("msn_logins_total", "counter", "Successful logins.", b.hub.Stats.Logins.Load())
		metric("msn_messages_total", "counter", "Messages relayed (switchboard MSG and UUM).", b.hub.Stats.Messages.Load())
		metric("msn_presence_pushes_total", "counter", "Presence lines queued to watchers.", b.hub.Stats.PresenceOut.Load())
		metric("msn_protocol_errors_total", "counter", "Protocol error replies sent.", b.hub.Stats.ProtocolErrs.Load())
		metric("msn_store_writes_total", "counter", "Store write transactions.", writes)
		metric("msn_store_write_seconds_total", "counter", "Time spent in store write transactions.", total.Seconds())
		metric("go_goroutines", "gauge", "Goroutines.", runtime.NumGoroutine())
		metric("go_memstats_heap_inuse_bytes", "gauge", "Heap in use.", mem.HeapInuse)
	})
}

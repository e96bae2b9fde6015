package loadtest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"msnserver/ns"
	"msnserver/ns/hub"
	"msnserver/ns/ticket"
	"msnserver/sb"
	"msnserver/store"
	"msnserver/web"
	"msnserver/web/gateway"
)

// testServer is the whole server in this process on 127.0.0.1:0: store,
// hub, notification server, switchboard and the HTTP token service. The load
// tool reaches it only over TCP and HTTP, as it would reach any server.
type testServer struct {
	st     *store.Store
	hub    *hub.Hub
	ns     *ns.Server
	sb     *sb.Server
	http   *http.Server
	nsAddr string
	url    string
}

func testLog() *slog.Logger {
	if os.Getenv("LOADTEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func listen(tb testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

// startServer opens a store in a temporary folder, lets seed fill it, and
// starts every listener.
func startServer(tb testing.TB, opts ns.Options, seed func(*store.Store)) *testServer {
	tb.Helper()
	dir := tb.TempDir()
	st, err := store.Open(dir, store.Options{PasswordCost: 4})
	if err != nil {
		tb.Fatal(err)
	}
	if seed != nil {
		seed(st)
	}
	key, err := ticket.LoadOrCreateKey(dir + "/ticket.key")
	if err != nil {
		tb.Fatal(err)
	}
	tickets, err := ticket.New(key)
	if err != nil {
		tb.Fatal(err)
	}
	log := testLog()
	ts := &testServer{st: st}
	ts.hub = hub.New(st, log)
	sbLn := listen(tb)
	ts.hub.SetSwitchboardAddr(sbLn.Addr().String())
	// The chat scenario opens switchboards far faster than a person does:
	// lift the per-user XFR and CAL rates, which are there for attackers.
	ts.sb = sb.New(ts.hub, log, sb.Options{CallBurst: 1 << 20})
	go ts.sb.Serve(sbLn)
	if opts.XFRBurst == 0 {
		opts.XFRBurst = 1 << 20
	}
	ts.ns = ns.New(ts.hub, st, tickets, log, opts)
	nsLn := listen(tb)
	ts.nsAddr = nsLn.Addr().String()
	go ts.ns.Serve(nsLn)
	httpLn := listen(tb)
	ts.url = "http://" + httpLn.Addr().String()
	webSrv := web.New(web.Deps{Store: st, Tickets: tickets, Notifier: ts.hub, Log: log})
	gw := gateway.New(log, gateway.Options{PollsPerSecond: 1000})
	webSrv.Handle(gateway.Path, gw)
	go ts.ns.Serve(gw.NSListener())
	go ts.sb.Serve(gw.SBListener())
	ts.http = &http.Server{Handler: webSrv}
	go ts.http.Serve(httpLn)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ts.ns.Shutdown(ctx)
		ts.sb.Shutdown(ctx)
		ts.http.Shutdown(ctx)
		gw.Close()
		st.Close()
	})
	return ts
}

// seeded returns a seed function for n accounts with k contacts each.
func seeded(tb testing.TB, n, k int) func(*store.Store) {
	return func(st *store.Store) {
		if _, err := Seed(st, SeedConfig{Count: n, Prefix: "lt", Domain: "example.com", Password: "secret", Contacts: k, Cost: 4}); err != nil {
			tb.Fatal(err)
		}
	}
}

func (ts *testServer) config(clients int, scenario string) Config {
	return Config{
		NSAddr: ts.nsAddr, HTTPURL: ts.url,
		Prefix: "lt", Domain: "example.com", Password: "secret",
		Clients: clients, Scenario: scenario, Progress: -1,
		Timeout: 10 * time.Second,
	}
}

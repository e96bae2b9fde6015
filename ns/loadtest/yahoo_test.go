package loadtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"msnserver/ns"
	"msnserver/ns/hub"
	"msnserver/ns/ticket"
	"msnserver/ns/ymsg"
	"msnserver/store"
	"msnserver/web"
	"msnserver/web/yahoo"
)

// TestYahooScenario runs Yahoo! users on the YMSG pager against WLM users:
// every Yahoo user signs in with the token login and its messages arrive at
// the WLM partner as UBM.
func TestYahooScenario(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []SeedConfig{
		{Count: 10, Prefix: "lt", Domain: "example.com", Password: "secret", Cost: 4},
		{Count: 10, Prefix: "y", Domain: "yahoo.com", Password: "secret", Cost: 4, Network: store.NetworkYahoo},
	} {
		if _, err := Seed(st, sc); err != nil {
			t.Fatal(err)
		}
	}
	key, _ := ticket.LoadOrCreateKey(dir + "/ticket.key")
	tickets, _ := ticket.New(key)
	log := testLog()
	h := hub.New(st, log)
	nsSrv := ns.New(h, st, tickets, log, ns.Options{})
	ysvc := yahoo.New(st, log, func() string { return "127.0.0.1" })
	ySrv := ymsg.New(h, st, ysvc, log, ymsg.Options{})
	w := web.New(web.Deps{Store: st, Tickets: tickets, Notifier: h, Log: log})
	ysvc.Mount(w)
	httpSrv := &http.Server{Handler: w}
	nsLn, yLn, httpLn := listen(t), listen(t), listen(t)
	go nsSrv.Serve(nsLn)
	go ySrv.Serve(yLn)
	go httpSrv.Serve(httpLn)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ySrv.Shutdown(ctx)
		nsSrv.Shutdown(ctx)
		httpSrv.Shutdown(ctx)
		st.Close()
	})

	cfg := Config{
		NSAddr: nsLn.Addr().String(), HTTPURL: "http://" + httpLn.Addr().String(), YMSGAddr: yLn.Addr().String(),
		Prefix: "lt", Domain: "example.com", Password: "secret", Clients: 10, Scenario: ScenarioYahoo,
		Progress: -1, Timeout: 10 * time.Second, Ramp: 200 * time.Millisecond, Duration: 2 * time.Second,
		MessageInterval: 50 * time.Millisecond, ChangeInterval: 200 * time.Millisecond,
	}
	rep := runScenario(t, cfg)
	if rep.Logins < 10 || rep.Messages == 0 || rep.Message.Count == 0 {
		t.Errorf("logins %d, messages %d, samples %d", rep.Logins, rep.Messages, rep.Message.Count)
	}
}

package backend_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"msnserver/admin"
	"msnserver/admin/backend"
	"msnserver/ns"
	"msnserver/ns/hub"
	"msnserver/ns/ticket"
	"msnserver/sb"
	"msnserver/store"
	"msnserver/web"
)

const (
	e2eAdmin         = "admin"
	e2eAdminPassword = "correct horse battery staple"
)

// stack is the whole server in process, wired as main.serve wires it, every
// listener on 127.0.0.1:0.
type stack struct {
	store    *store.Store
	hub      *hub.Hub
	be       *backend.Backend
	nsAddr   string
	httpURL  string
	rstURL   string
	adminURL string
	logs     *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startStack runs store, hub, token and SOAP services, notification server,
// switchboard and admin console. The logs are printed if the test fails
// (or always with MSN_TEST_LOG set). tweak may adjust the console's config.
func startStack(t *testing.T, tweak ...func(*admin.Config)) *stack {
	t.Helper()
	dir := t.TempDir()
	logs := &lockedBuffer{}
	var out io.Writer = logs
	if os.Getenv("MSN_TEST_LOG") != "" {
		out = io.MultiWriter(logs, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))

	st, err := store.Open(dir, store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetAdminPassword(e2eAdmin, e2eAdminPassword); err != nil {
		t.Fatal(err)
	}
	key, err := ticket.LoadOrCreateKey(dir + "/secrets/ticket.key")
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := ticket.New(key)
	if err != nil {
		t.Fatal(err)
	}

	nsLn, sbLn, adminLn := listen(t), listen(t), listen(t)
	h := hub.New(st, log.With("svc", "hub"))
	h.SetSwitchboardAddr(sbLn.Addr().String())
	policy := func() string {
		if p, ok, _ := st.Setting(store.SettingPolicy); ok {
			return p
		}
		return ns.DefaultPolicy
	}
	webSrv := web.New(web.Deps{Store: st, Tickets: tickets, Notifier: h, Log: log.With("svc", "web")})
	webSrv.SetReady(true)
	httpSrv := httptest.NewServer(webSrv)
	nsSrv := ns.New(h, st, tickets, log.With("svc", "ns"), ns.Options{
		Policy: policy, Challenge: false, MailData: webSrv.OIM().MailData,
	})
	sbSrv := sb.New(h, log.With("svc", "sb"), sb.Options{})
	h.OnKick(func(s *hub.Session) { sbSrv.Disconnect(s) })

	switchboards := func() []backend.Switchboard {
		var out []backend.Switchboard
		for _, i := range sbSrv.Sessions() {
			out = append(out, backend.Switchboard{ID: i.ID, Members: i.Members, Since: i.Since, Messages: i.Messages})
		}
		return out
	}
	be := backend.New(st, h, switchboards, nil, "127.0.0.1", ns.DefaultPolicy)
	ctx, cancel := context.WithCancel(context.Background())
	go be.Run(ctx)
	secret := make([]byte, 32)
	rand.Read(secret)
	adminCfg := admin.Config{Secret: secret, FailedLoginDelay: 10 * time.Millisecond}
	for _, fn := range tweak {
		fn(&adminCfg)
	}
	adminSrv := admin.New(adminCfg, be, log.With("svc", "admin"))
	adminSrv.Mount("/metrics", be.Metrics())

	done := make(chan struct{}, 3)
	serve := func(name string, fn func() error) {
		go func() {
			if err := fn(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			done <- struct{}{}
		}()
	}
	serve("ns", func() error { return nsSrv.Serve(nsLn) })
	serve("sb", func() error { return sbSrv.Serve(sbLn) })
	serve("admin", func() error { return adminSrv.Serve(adminLn) })

	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		cancel()
		if err := adminSrv.Shutdown(sctx); err != nil {
			t.Errorf("admin shutdown: %v", err)
		}
		nsSrv.Shutdown(sctx)
		sbSrv.Shutdown(sctx)
		for range 3 {
			<-done
		}
		httpSrv.Close()
		if err := st.Close(); err != nil {
			t.Errorf("store close: %v", err)
		}
		if strings.Contains(logs.String(), "panic") {
			t.Errorf("something panicked")
		}
		if t.Failed() && os.Getenv("MSN_TEST_LOG") == "" {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	return &stack{
		store: st, hub: h, be: be, logs: logs, httpURL: httpSrv.URL,
		nsAddr:   nsLn.Addr().String(),
		rstURL:   httpSrv.URL + "/RST.srf",
		adminURL: "http://" + adminLn.Addr().String(),
	}
}

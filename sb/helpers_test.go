package sb

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/msnptest"
	"msnserver/store"
)

const caps = "1611513916"

// testEnv is a running switchboard with a real hub and store.
type testEnv struct {
	t    testing.TB
	st   *store.Store
	hub  *hub.Hub
	srv  *Server
	addr string
}

func testLogger() *slog.Logger {
	if os.Getenv("SB_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newEnv starts a switchboard on 127.0.0.1:0.
func newEnv(t testing.TB, opts Options) *testEnv {
	t.Helper()
	return newEnvLog(t, opts, testLogger())
}

// newEnvLog is newEnv logging to log.
func newEnvLog(t testing.TB, opts Options, log *slog.Logger) *testEnv {
	t.Helper()
	_, fuzzing := t.(*testing.F) // fuzz targets write per input: no fsync
	st, err := store.Open(t.TempDir(), store.Options{NoSync: fuzzing, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New(st, log)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.SetSwitchboardAddr(l.Addr().String())
	srv := New(h, log, opts)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	e := &testEnv{t: t, st: st, hub: h, srv: srv, addr: l.Addr().String()}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		if n := srv.panics.Load(); n != 0 {
			t.Errorf("%d connection(s) panicked", n)
		}
		st.Close()
	})
	return e
}

// fakeNS is a notification-server connection that records what the hub sends.
type fakeNS struct{ lines chan string }

func (f *fakeNS) Send(b []byte) bool {
	select {
	case f.lines <- string(b):
		return true
	default:
		return false
	}
}

func (f *fakeNS) CloseAfter(b []byte) { f.Send(b) }

// user is a signed-in account with a fake NS connection.
type user struct {
	email, name string
	ns          *hub.Session
	out         *fakeNS
}

// account creates an account without signing it in.
func (e *testEnv) account(email, name string, network int) *store.Account {
	e.t.Helper()
	a, err := e.st.CreateAccount(store.NewAccount{Email: email, Hash: []byte("x"), Name: name, Network: network})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// login creates an account, signs it in and sets NLN with caps.
func (e *testEnv) login(email, name string) *user {
	e.t.Helper()
	return e.loginNet(email, name, store.NetworkMSN)
}

func (e *testEnv) loginNet(email, name string, network int) *user {
	e.t.Helper()
	e.account(email, name, network)
	acct, lists, err := e.st.Lists(email)
	if err != nil {
		e.t.Fatal(err)
	}
	out := &fakeNS{lines: make(chan string, 64)}
	s := e.hub.NewSession(acct, lists, out, "", "")
	e.hub.Login(s)
	s.SetStatus("1", "NLN", caps, "0")
	return &user{email: email, name: name, ns: s, out: out}
}

// rng waits for the RNG on u's NS connection: the session id and the cookie.
func (u *user) rng(t testing.TB) (line, sid, cookie string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l := <-u.out.lines:
			if strings.HasPrefix(l, "RNG ") {
				l = strings.TrimSuffix(l, "\r\n")
				f := strings.Split(l, " ")
				return l, f[1], f[4]
			}
		case <-deadline:
			t.Fatalf("%s: no RNG within 5s", u.email)
		}
	}
}

// client is the shared test client on a switchboard connection.
type client struct {
	*msnptest.Client
	trid int
}

func (e *testEnv) dial(label string) *client {
	e.t.Helper()
	return &client{Client: msnptest.Dial(e.t, e.addr, label)}
}

func (c *client) nextTrID() int { c.trid++; return c.trid }

// msg sends MSG trid ack len + payload and returns the TrID.
func (c *client) msg(ack string, payload []byte) int {
	c.T.Helper()
	t := c.nextTrID()
	c.Write(append([]byte(fmt.Sprintf("MSG %d %s %d\r\n", t, ack, len(payload))), payload...))
	return t
}

// barrier makes a round trip (CAL of oneself → 215) and fails if anything
// else arrived before its answer.
func (c *client) barrier(self string) {
	c.T.Helper()
	t := c.nextTrID()
	c.Sendf("CAL %d %s", t, self)
	c.Expect(fmt.Sprintf("215 %d", t))
}

// open signs u in to a new session (XFR cookie, USR).
func (e *testEnv) open(u *user) *client {
	e.t.Helper()
	c := e.dial(strings.SplitN(u.email, "@", 2)[0])
	t := c.nextTrID()
	c.Sendf("USR %d %s %s", t, u.email, e.hub.IssueCookie(u.email, ""))
	c.ExpectPrefix(fmt.Sprintf("USR %d OK %s ", t, u.email))
	return c
}

// invite has inviter (on sb) CAL callee, who answers; the IROs and the JOIs
// of the members in present are consumed.
func (e *testEnv) invite(sb *client, callee *user, present ...*client) *client {
	e.t.Helper()
	t := sb.nextTrID()
	sb.Sendf("CAL %d %s", t, callee.email)
	sb.ExpectPrefix(fmt.Sprintf("CAL %d RINGING ", t))
	_, sid, cookie := callee.rng(e.t)
	c := e.dial(strings.SplitN(callee.email, "@", 2)[0])
	t = c.nextTrID()
	c.Sendf("ANS %d %s %s %s", t, callee.email, cookie, sid)
	for {
		l := c.ExpectPrefix("")
		if l == fmt.Sprintf("ANS %d OK", t) {
			break
		}
		if !strings.HasPrefix(l, fmt.Sprintf("IRO %d ", t)) {
			e.t.Fatalf("%s: want IRO or ANS OK, got %q", c.Name, l)
		}
	}
	for _, p := range append([]*client{sb}, present...) {
		p.ExpectPrefix("JOI " + callee.email + " ")
	}
	return c
}

// chat opens a session for a and invites the others one by one.
func (e *testEnv) chat(a *user, others ...*user) []*client {
	e.t.Helper()
	sbs := []*client{e.open(a)}
	for _, o := range others {
		sbs = append(sbs, e.invite(sbs[0], o, sbs[1:]...))
	}
	return sbs
}

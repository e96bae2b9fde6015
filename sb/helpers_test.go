package sb

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"msnserver/ns/hub"
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

// readWait bounds a wait for a line the test expects: it only ends early
// on a failure, so it is long enough for a busy machine.
const readWait = 30 * time.Second

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

// client is a test switchboard connection.
type client struct {
	t     testing.TB
	label string
	c     net.Conn
	r     *bufio.Reader
	trid  int
}

func (e *testEnv) dial(label string) *client {
	e.t.Helper()
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return &client{t: e.t, label: label, c: c, r: bufio.NewReader(c)}
}

func (c *client) nextTrID() int { c.trid++; return c.trid }

// send writes one line (CRLF added).
func (c *client) send(format string, args ...any) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.c, format+"\r\n", args...); err != nil {
		c.t.Fatalf("%s: send: %v", c.label, err)
	}
}

// msg sends MSG trid ack len + payload and returns the TrID.
func (c *client) msg(ack string, payload []byte) int {
	c.t.Helper()
	t := c.nextTrID()
	b := append([]byte(fmt.Sprintf("MSG %d %s %d\r\n", t, ack, len(payload))), payload...)
	if _, err := c.c.Write(b); err != nil {
		c.t.Fatalf("%s: send: %v", c.label, err)
	}
	return t
}

// next reads one line and, for MSG, its payload.
func (c *client) next() (string, []byte, error) {
	c.c.SetReadDeadline(time.Now().Add(readWait))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", nil, err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return "", nil, fmt.Errorf("line without CRLF: %q", line)
	}
	line = strings.TrimSuffix(line, "\r\n")
	if !strings.HasPrefix(line, "MSG ") {
		return line, nil, nil
	}
	f := strings.Split(line, " ")
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		return line, nil, fmt.Errorf("MSG length: %w", err)
	}
	p := make([]byte, n)
	_, err = io.ReadFull(c.r, p)
	return line, p, err
}

// expect reads the next line, which must be exactly want.
func (c *client) expect(want string) {
	c.t.Helper()
	got, _, err := c.next()
	if err != nil {
		c.t.Fatalf("%s: want %q, got error %v", c.label, want, err)
	}
	if got != want {
		c.t.Fatalf("%s: want %q\n got %q", c.label, want, got)
	}
}

// expectPrefix reads the next line, which must start with prefix; it is returned.
func (c *client) expectPrefix(prefix string) string {
	c.t.Helper()
	got, _, err := c.next()
	if err != nil {
		c.t.Fatalf("%s: want %q…, got error %v", c.label, prefix, err)
	}
	if !strings.HasPrefix(got, prefix) {
		c.t.Fatalf("%s: want %q…\n got %q", c.label, prefix, got)
	}
	return got
}

// expectMsg reads a relayed MSG, which must be exactly line + payload.
func (c *client) expectMsg(line string, payload []byte) {
	c.t.Helper()
	got, p, err := c.next()
	if err != nil {
		c.t.Fatalf("%s: want %q, got error %v", c.label, line, err)
	}
	if got != line {
		c.t.Fatalf("%s: want %q\n got %q", c.label, line, got)
	}
	if string(p) != string(payload) {
		c.t.Fatalf("%s: payload differs\nwant %q\n got %q", c.label, payload, p)
	}
}

// expectClosed reads until the server closes; every line must be in allowed.
func (c *client) expectClosed(allowed ...string) {
	c.t.Helper()
	for {
		got, _, err := c.next()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.t.Fatalf("%s: connection still open", c.label)
			}
			return
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == got
		}
		if !ok {
			c.t.Fatalf("%s: unexpected %q before the close", c.label, got)
		}
	}
}

// barrier makes a round trip (CAL of oneself → 215) and fails if anything
// else arrived before its answer.
func (c *client) barrier(self string) {
	c.t.Helper()
	t := c.nextTrID()
	c.send("CAL %d %s", t, self)
	c.expect(fmt.Sprintf("215 %d", t))
}

// open signs u in to a new session (XFR cookie, USR).
func (e *testEnv) open(u *user) *client {
	e.t.Helper()
	c := e.dial(strings.SplitN(u.email, "@", 2)[0])
	t := c.nextTrID()
	c.send("USR %d %s %s", t, u.email, e.hub.IssueCookie(u.email, ""))
	c.expectPrefix(fmt.Sprintf("USR %d OK %s ", t, u.email))
	return c
}

// invite has inviter (on sb) CAL callee, who answers; the IROs and the JOIs
// of the members in present are consumed.
func (e *testEnv) invite(sb *client, callee *user, present ...*client) *client {
	e.t.Helper()
	t := sb.nextTrID()
	sb.send("CAL %d %s", t, callee.email)
	sb.expectPrefix(fmt.Sprintf("CAL %d RINGING ", t))
	_, sid, cookie := callee.rng(e.t)
	c := e.dial(strings.SplitN(callee.email, "@", 2)[0])
	t = c.nextTrID()
	c.send("ANS %d %s %s %s", t, callee.email, cookie, sid)
	for {
		l := c.expectPrefix("")
		if l == fmt.Sprintf("ANS %d OK", t) {
			break
		}
		if !strings.HasPrefix(l, fmt.Sprintf("IRO %d ", t)) {
			e.t.Fatalf("%s: want IRO or ANS OK, got %q", c.label, l)
		}
	}
	for _, p := range append([]*client{sb}, present...) {
		p.expectPrefix("JOI " + callee.email + " ")
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

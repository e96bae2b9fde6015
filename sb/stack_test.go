package sb

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"msnserver/ns"
	"msnserver/ns/hub"
	"msnserver/ns/msnptest"
	"msnserver/ns/ticket"
	"msnserver/store"
)

// stack is a notification server and a switchboard over real TCP, wired as
// main.go wires them, with the Yahoo bridge registered unless noBridge.
type stack struct {
	*testEnv
	tickets *ticket.Signer
	nsAddr  string
}

func newStack(t *testing.T, opts Options, noBridge bool) *stack {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ticket.LoadOrCreateKey(filepath.Join(dir, "ticket.key"))
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := ticket.New(key)
	if err != nil {
		t.Fatal(err)
	}
	log := testLogger()
	h := hub.New(st, log)
	sbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.SetSwitchboardAddr(sbLn.Addr().String())
	nsSrv := ns.New(h, st, tickets, log, ns.Options{})
	srv := New(h, log, opts)
	h.OnKick(func(s *hub.Session) { srv.Disconnect(s) })
	if !noBridge {
		h.SetYahooBridge(srv)
	}
	sbDone, nsDone := make(chan error, 1), make(chan error, 1)
	go func() { sbDone <- srv.Serve(sbLn) }()
	go func() { nsDone <- nsSrv.Serve(nsLn) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		nsSrv.Shutdown(ctx)
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("switchboard shutdown: %v", err)
		}
		<-nsDone
		if err := <-sbDone; err != nil {
			t.Errorf("switchboard serve: %v", err)
		}
		if n := srv.panics.Load(); n != 0 {
			t.Errorf("%d switchboard connection(s) panicked", n)
		}
		h.SetYahooBridge(nil)
		st.Close()
	})
	e := &testEnv{t: t, st: st, hub: h, srv: srv, addr: sbLn.Addr().String()}
	return &stack{testEnv: e, tickets: tickets, nsAddr: nsLn.Addr().String()}
}

// nsClient is the shared test client on a notification-server connection.
type nsClient struct {
	*msnptest.Client
	email string
	trid  int
}

// signIn creates the account and logs it in like WLM 8: VER, USR TWN I,
// USR TWN S with a ticket, BLP AL, CHG NLN.
func (s *stack) signIn(email, name string, network int) *nsClient {
	s.t.Helper()
	return s.connect(s.account(email, name, network))
}

// connect logs an existing account in again.
func (s *stack) connect(acct *store.Account) *nsClient {
	s.t.Helper()
	email := acct.Email
	c := &nsClient{Client: msnptest.Dial(s.t, s.nsAddr, email), email: email}
	c.Send("VER 1 MSNP14 CVR0")
	c.Expect("VER 1 MSNP14")
	c.Send("USR 2 TWN I " + email)
	c.Until("USR 2 TWN S ")
	c.Send("USR 3 TWN S " + ticket.Compact(s.tickets.Issue(acct.ID)))
	c.Until("USR 3 OK " + email + " ")
	c.Send("BLP 4 AL")
	c.Until("BLP 4 AL")
	c.Send("CHG 5 NLN " + caps + " 0")
	c.Until("CHG 5 NLN " + caps + " 0")
	c.trid = 5
	c.Sync()
	return c
}

func (c *nsClient) next() int { c.trid++; return c.trid }

// uum sends "UUM trid to 32 kind len" + payload and returns the TrID.
func (c *nsClient) uum(to string, kind int, payload []byte) int {
	c.T.Helper()
	t := c.next()
	b := append([]byte(fmt.Sprintf("UUM %d %s 32 %d %d\r\n", t, to, kind, len(payload))), payload...)
	c.Write(b)
	return t
}

// xfr asks for a switchboard and signs in to it with USR.
func (s *stack) xfr(c *nsClient) *client {
	s.t.Helper()
	t := c.next()
	c.Sendf("XFR %d SB", t)
	f := strings.Fields(c.Until(fmt.Sprintf("XFR %d SB ", t)))
	if want := fmt.Sprintf("XFR %d SB %s CKI %s U messenger.msn.com 1", t, s.addr, f[5]); strings.Join(f, " ") != want {
		s.t.Fatalf("XFR: got %q", strings.Join(f, " "))
	}
	sb := s.dial(strings.SplitN(c.email, "@", 2)[0] + "/sb")
	tr := sb.nextTrID()
	sb.Sendf("USR %d %s %s", tr, c.email, f[5])
	sb.ExpectPrefix(fmt.Sprintf("USR %d OK %s ", tr, c.email))
	return sb
}

package sb

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"msnserver/ns"
	"msnserver/ns/hub"
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

// nsClient is a test client on the notification server.
type nsClient struct {
	t     testing.TB
	email string
	c     net.Conn
	r     *bufio.Reader
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
	nc, err := net.Dial("tcp", s.nsAddr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { nc.Close() })
	c := &nsClient{t: s.t, email: email, c: nc, r: bufio.NewReader(nc)}
	c.send("VER 1 MSNP14 CVR0")
	c.expect("VER 1 MSNP14")
	c.send("USR 2 TWN I " + email)
	c.until("USR 2 TWN S ")
	c.send("USR 3 TWN S " + ticket.Compact(s.tickets.Issue(acct.ID)))
	c.until("USR 3 OK " + email + " ")
	c.send("BLP 4 AL")
	c.until("BLP 4 AL")
	c.send("CHG 5 NLN " + caps + " 0")
	c.until("CHG 5 NLN " + caps + " 0")
	c.trid = 5
	c.sync()
	return c
}

func (c *nsClient) next() int { c.trid++; return c.trid }

func (c *nsClient) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, line+"\r\n"); err != nil {
		c.t.Fatalf("%s: send: %v", c.email, err)
	}
}

// uum sends "UUM trid to 32 kind len" + payload and returns the TrID.
func (c *nsClient) uum(to string, kind int, payload []byte) int {
	c.t.Helper()
	t := c.next()
	b := append([]byte(fmt.Sprintf("UUM %d %s 32 %d %d\r\n", t, to, kind, len(payload))), payload...)
	if _, err := c.c.Write(b); err != nil {
		c.t.Fatalf("%s: send: %v", c.email, err)
	}
	return t
}

// payloadVerbs are the server commands whose last argument is a payload length.
var payloadVerbs = map[string]bool{"GCF": true, "MSG": true, "UBX": true, "NOT": true, "ADL": true, "RML": true, "UBM": true, "UBN": true}

// read returns the next line (without CRLF) and its payload, if any.
func (c *nsClient) read() (string, []byte) {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(readWait))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("%s: read: %v (partial %q)", c.email, err, line)
	}
	line = strings.TrimSuffix(line, "\r\n")
	f := strings.Fields(line)
	if len(f) < 2 || !payloadVerbs[f[0]] {
		return line, nil
	}
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		c.t.Fatalf("%s: payload length in %q", c.email, line)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.r, p); err != nil {
		c.t.Fatalf("%s: read payload: %v", c.email, err)
	}
	return line, p
}

// expect reads the next line, which must be exactly want.
func (c *nsClient) expect(want string) {
	c.t.Helper()
	if got, _ := c.read(); got != want {
		c.t.Fatalf("%s:\nwant %q\n got %q", c.email, want, got)
	}
}

// expectPayload reads the next line and payload, both exactly as given.
func (c *nsClient) expectPayload(line string, payload []byte) {
	c.t.Helper()
	got, p := c.read()
	if got != line {
		c.t.Fatalf("%s:\nwant %q\n got %q", c.email, line, got)
	}
	if string(p) != string(payload) {
		c.t.Fatalf("%s: payload differs\nwant %q\n got %q", c.email, payload, p)
	}
}

// until skips lines until one starts with prefix, and returns it.
func (c *nsClient) until(prefix string) string {
	c.t.Helper()
	for {
		if got, _ := c.read(); strings.HasPrefix(got, prefix) {
			return got
		}
	}
}

// sync makes a PNG round trip and fails if anything arrived before QNG.
func (c *nsClient) sync() {
	c.t.Helper()
	c.send("PNG")
	if got, _ := c.read(); !strings.HasPrefix(got, "QNG ") {
		c.t.Fatalf("%s: unexpected %q", c.email, got)
	}
}

// xfr asks for a switchboard and signs in to it with USR.
func (s *stack) xfr(c *nsClient) *client {
	s.t.Helper()
	t := c.next()
	c.send(fmt.Sprintf("XFR %d SB", t))
	f := strings.Fields(c.until(fmt.Sprintf("XFR %d SB ", t)))
	if want := fmt.Sprintf("XFR %d SB %s CKI %s U messenger.msn.com 1", t, s.addr, f[5]); strings.Join(f, " ") != want {
		s.t.Fatalf("XFR: got %q", strings.Join(f, " "))
	}
	sb := s.dial(strings.SplitN(c.email, "@", 2)[0] + "/sb")
	tr := sb.nextTrID()
	sb.send("USR %d %s %s", tr, c.email, f[5])
	sb.expectPrefix(fmt.Sprintf("USR %d OK %s ", tr, c.email))
	return sb
}

package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"msnserver/ns/msnptest"
	"msnserver/store"
)

// These tests build the real binary and drive it as a user and a client would.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "msnserver-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "msnserver")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// patience bounds waits that only end early on a failure (a server that
// never comes up, a reply that never comes): long, so that a busy machine
// (bcrypt at the default cost, parallel test binaries) never fails a test.
const patience = 60 * time.Second

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	return string(out), err
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type server struct {
	t                          *testing.T
	data                       string
	ns, sb, http, https, admin string
	cmd                        *exec.Cmd
	log                        *bytes.Buffer
	env                        []string      // extra environment for the next start
	wrap, extra                []string      // a command run before the binary (prlimit …), more serve flags
	exited                     chan struct{} // closed when the process started last has exited
	waitErr                    error         // its Wait result, set before exited is closed
}

func startBinary(t *testing.T, data string) *server {
	t.Helper()
	s := newServer(t, data)
	s.start()
	return s
}

func newServer(t *testing.T, data string) *server {
	return &server{t: t, data: data, ns: freePort(t), sb: freePort(t), http: freePort(t), https: freePort(t), admin: freePort(t), log: &bytes.Buffer{}}
}

func (s *server) start() {
	// A port picked by freePort can be taken by another test before the
	// server binds it: such a start is tried again on fresh ports.
	for attempt := 1; ; attempt++ {
		if s.tryStart() || attempt == 3 {
			return
		}
		s.ns, s.sb, s.http, s.https, s.admin = freePort(s.t), freePort(s.t), freePort(s.t), freePort(s.t), freePort(s.t)
	}
}

// tryStart starts the binary and waits until it answers; false when it
// exited at once because a port was taken.
func (s *server) tryStart() bool {
	args := append(append([]string{}, s.wrap...), binary, "serve", "-data", s.data, "-ns", s.ns, "-sb", s.sb, "-ymsg", freePort(s.t), "-http", s.http,
		"-https", s.https, "-admin", s.admin, "-public-host", "127.0.0.1")
	args = append(args, s.extra...)
	s.cmd = exec.Command(args[0], args[1:]...)
	s.log.Reset()
	s.cmd.Env = append(os.Environ(), s.env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	cmd := s.cmd
	exited := make(chan struct{})
	s.exited = exited
	go func() { s.waitErr = cmd.Wait(); close(exited) }()
	s.t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			if strings.Contains(s.log.String(), "address already in use") {
				return false
			}
			s.t.Fatalf("server exited:\n%s", s.log)
		default:
		}
		resp, err := http.Get("http://" + s.http + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("server did not come up:\n%s", s.log)
	return false
}

func (s *server) stop(sig os.Signal) error {
	s.cmd.Process.Signal(sig)
	return s.wait()
}

// wait waits for the process started last and returns what Wait said.
func (s *server) wait() error {
	<-s.exited
	return s.waitErr
}

func rstBody(email, password string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust"><Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>` +
		email + `</wsse:Username><wsse:Password>` + password + `</wsse:Password></wsse:UsernameToken></wsse:Security></Header><Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS">` +
		`<wst:RequestSecurityToken Id="RST0"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>http://Passport.NET/tb</wsa:Address></wsa:EndpointReference></wsp:AppliesTo></wst:RequestSecurityToken>` +
		`<wst:RequestSecurityToken Id="RST1"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>messenger.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="?id=507"></wsse:PolicyReference></wst:RequestSecurityToken>` +
		`<wst:RequestSecurityToken Id="RST2"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>contacts.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="MBI"></wsse:PolicyReference></wst:RequestSecurityToken>` +
		`</ps:RequestMultipleSecurityTokens></Body></Envelope>`
}

var compactRe = regexp.MustCompile(`<wsse:BinarySecurityToken Id="Compact(\d)">t=[A-Za-z0-9._-]{20,}&amp;p=</wsse:BinarySecurityToken>`)

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	if out, err := run(t, "user", "add", "-data", data, "-name", "Alice A", "Alice@Hotmail.com", "pw1"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	if out, err := run(t, "user", "add", "yuki@yahoo.com", "pw2", "-network", "32", "-data", data); err != nil {
		t.Fatalf("user add flags after: %v %s", err, out)
	}
	out, err := run(t, "user", "add", "-data", data, "alice@hotmail.com", "x")
	if err == nil || !strings.Contains(out, "already exists") {
		t.Fatalf("duplicate: %v %s", err, out)
	}
	out, err = run(t, "user", "add", "-data", data, "not-an-email", "x")
	if err == nil || !strings.Contains(out, "not a valid e-mail") {
		t.Fatalf("invalid email: %v %s", err, out)
	}
	out, err = run(t, "user", "add", "-data", data, "-network", "7", "x@y.com", "x")
	if err == nil || !strings.Contains(out, "network") {
		t.Fatalf("bad network: %v %s", err, out)
	}
	out, _ = run(t, "user", "list", "-data", data)
	if !strings.Contains(out, "alice@hotmail.com  1") || !strings.Contains(out, "yuki@yahoo.com     32") || !strings.Contains(out, "2 accounts") {
		t.Fatalf("user list:\n%s", out)
	}
	if out, err := run(t, "user", "passwd", "-data", data, "alice@hotmail.com", "pw3"); err != nil {
		t.Fatalf("passwd: %v %s", err, out)
	}
	out, err = run(t, "user", "passwd", "-data", data, "ghost@hotmail.com", "pw3")
	if err == nil || !strings.Contains(out, "not found") {
		t.Fatalf("passwd unknown: %v %s", err, out)
	}
	out, err = run(t, "user", "delete", "-data", data, "ghost@hotmail.com")
	if err == nil || !strings.Contains(out, "not found") {
		t.Fatalf("delete unknown: %v %s", err, out)
	}
	if out, err := run(t, "admin", "passwd", "-data", data, "admin", "adminpw"); err != nil {
		t.Fatalf("admin passwd: %v %s", err, out)
	}

	// While the server runs the store is locked: a clear message, no hang.
	s := startBinary(t, data)
	start := time.Now()
	out, err = run(t, "user", "add", "-data", data, "bob@hotmail.com", "pw")
	if err == nil || !strings.Contains(out, "in use by another process") || time.Since(start) > patience/2 {
		t.Fatalf("locked store: %v %s (%v)", err, out, time.Since(start))
	}
	// The new password works, the old one does not.
	if body := post(t, "http://"+s.http+"/RST.srf", rstBody("alice@hotmail.com", "pw3")); len(compactRe.FindAllString(body, -1)) != 2 {
		t.Fatalf("RST with new password: %s", body)
	}
	if body := post(t, "http://"+s.http+"/RST.srf", rstBody("alice@hotmail.com", "pw1")); !strings.Contains(body, "wsse:FailedAuthentication") {
		t.Fatalf("RST with old password: %s", body)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.log)
	}
	if out, err := run(t, "user", "delete", "-data", data, "alice@hotmail.com"); err != nil {
		t.Fatalf("delete: %v %s", err, out)
	}
	if out, _ := run(t, "user", "list", "-data", data); strings.Contains(out, "alice@") {
		t.Fatalf("deleted account listed:\n%s", out)
	}
}

func post(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "text/xml; charset=utf-8", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestHTTPS checks the generated certificate: a Windows XP-style client (TLS
// 1.0, TLS_RSA_WITH_3DES_EDE_CBC_SHA only) gets a token, the chain verifies
// against the generated CA, and a restart reuses the same certificate.
func TestHTTPS(t *testing.T) {
	data := t.TempDir()
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "pw")
	s := startBinary(t, data)

	caPEM, err := os.ReadFile(filepath.Join(data, "certs", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	xp := &tls.Config{
		RootCAs: pool, ServerName: "login.live.com",
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
	}
	fp1, body := httpsRST(t, s.https, xp)
	if len(compactRe.FindAllString(body, -1)) != 2 {
		t.Fatalf("RST over TLS 1.0/3DES: %s", body)
	}
	modern := &tls.Config{RootCAs: pool, ServerName: "login.live.com", MinVersion: tls.VersionTLS13}
	if fp, _ := httpsRST(t, s.https, modern); fp != fp1 {
		t.Fatal("TLS 1.3 served another certificate")
	}

	s.stop(syscall.SIGTERM)
	s.start()
	if fp2, _ := httpsRST(t, s.https, xp); fp2 != fp1 {
		t.Fatal("certificate not reused after restart")
	}

	// An extra address (-tls-names / MSN_TLS_NAMES) within the CA's name
	// constraints gets a new leaf from the CA the clients already trust; a
	// name outside them is left out, with a warning that says what to do.
	s.stop(syscall.SIGTERM)
	s.env = []string{"MSN_TLS_NAMES=192.168.50.4, chat.example.org"}
	s.start()
	for _, name := range []string{"192.168.50.4", "ows.messenger.msn.com", "login.live.com"} {
		cfg := xp.Clone()
		cfg.ServerName = name
		if fp3, _ := httpsRST(t, s.https, cfg); fp3 == fp1 {
			t.Fatalf("%s: the old leaf is still served after -tls-names changed", name)
		}
	}
	s.stop(syscall.SIGTERM) // the log is read once the process has written it all
	if log := s.log.String(); !strings.Contains(log, "leaves out names its CA does not permit") || !strings.Contains(log, "chat.example.org") {
		t.Fatalf("no warning about the refused name:\n%s", log)
	}
	blk, _ := pem.Decode(caPEM)
	if blk == nil {
		t.Fatal("ca.crt is not PEM")
	}
	for _, f := range []string{"certs/ca.key", "certs/server.key", "secrets/ticket.key", "msn.db"} {
		st, err := os.Stat(filepath.Join(data, f))
		if err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s: %v mode %v (want 0600)", f, err, st.Mode())
		}
	}
}

func httpsRST(t *testing.T, addr string, cfg *tls.Config) (string, string) {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	defer conn.Close()
	state := conn.ConnectionState()
	fp := fmt.Sprintf("%x", sha256.Sum256(state.PeerCertificates[0].Raw))
	body := rstBody("alice@hotmail.com", "pw")
	fmt.Fprintf(conn, "POST /RST.srf HTTP/1.1\r\nHost: login.live.com\r\nContent-Type: text/xml\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return fp, string(b)
}

func TestListenErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	out, err := run(t, "serve", "-data", t.TempDir(), "-ns", taken.Addr().String(), "-sb", freePort(t), "-ymsg", freePort(t), "-http", freePort(t), "-https", "", "-admin", freePort(t))
	if err == nil || !strings.Contains(out, "address already in use") || !strings.Contains(out, "-ns or MSN_NS") || strings.Contains(out, "goroutine") {
		t.Fatalf("port in use: %v\n%s", err, out)
	}
}

// TestBackupRestore: an offline backup, a change, a restore brings the old
// state back; a running server refuses both with a clear message; the admin
// console's online backup is a valid store too.
func TestBackupRestore(t *testing.T) {
	data := t.TempDir()
	backup := filepath.Join(t.TempDir(), "b.db")
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "pw")
	if out, err := run(t, "backup", "-data", data, backup); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	run(t, "user", "add", "-data", data, "bob@hotmail.com", "pw")
	run(t, "user", "delete", "-data", data, "alice@hotmail.com")

	s := startBinary(t, data)
	out, err := run(t, "restore", "-data", data, backup)
	if err == nil || !strings.Contains(out, "stop the server") {
		t.Fatalf("restore while running: %v %s", err, out)
	}
	out, err = run(t, "backup", "-data", data, backup+"2")
	if err == nil || !strings.Contains(out, "admin console") {
		t.Fatalf("backup while running: %v %s", err, out)
	}
	s.stop(syscall.SIGTERM)

	if out, err := run(t, "restore", "-data", data, backup); err != nil {
		t.Fatalf("restore: %v %s", err, out)
	}
	out, _ = run(t, "user", "list", "-data", data)
	if !strings.Contains(out, "alice@hotmail.com") || strings.Contains(out, "bob@hotmail.com") {
		t.Fatalf("after restore:\n%s", out)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	if out, err := run(t, "restore", "-data", data, junk); err == nil || !strings.Contains(out, "not a msnserver store") {
		t.Fatalf("restore of junk: %v %s", err, out)
	}
}

// nsLogin logs in over real TCP as WLM 8 does (challenges off keeps it
// short) and returns the client on the connection.
func nsLogin(t *testing.T, s *server, email, password string) *msnptest.Client {
	t.Helper()
	c := msnptest.Dial(t, s.ns, email)
	c.Write(fmt.Appendf(nil, "VER 1 MSNP14 MSNP13 CVR0\r\nCVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs %s\r\nUSR 3 TWN I %s\r\n", email, email))
	for _, want := range []string{"VER 1 MSNP14", "CVR 2 ", "USR 3 TWN S ", "GCF 0 "} {
		c.ExpectPrefix(want) // GCF's payload is read with it
	}
	body := post(t, "http://"+s.http+"/RST.srf", rstBody(email, password))
	m := regexp.MustCompile(`Id="Compact1">t=([^&]+)&amp;p=<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("RST: %s", body)
	}
	c.Send("USR 4 TWN S t=" + m[1] + "&p=")
	c.Expect("USR 4 OK " + email + " 1 0")
	c.Read() // SBS
	c.Read() // the profile MSG and its payload
	return c
}

// TestKill9KeepsAcknowledgedChanges: every change the server acknowledged
// (ADL OK, PRP, BLP, UUX) is still there after kill -9 and a restart.
func TestKill9KeepsAcknowledgedChanges(t *testing.T) {
	data := t.TempDir()
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "pw")
	run(t, "user", "add", "-data", data, "bob@hotmail.com", "pw")
	s := startBinary(t, data)
	c := nsLogin(t, s, "alice@hotmail.com", "pw")
	ml := `<ml><d n="hotmail.com"><c n="bob" l="3" t="1" /></d></ml>`
	psm := `<Data><PSM>still here</PSM><CurrentMedia></CurrentMedia></Data>`
	c.Write(fmt.Appendf(nil, "ADL 5 %d\r\n%sPRP 6 MFN Alice%%20Durable\r\nBLP 7 BL\r\nCHG 8 NLN 0\r\nUUX 9 %d\r\n%s", len(ml), ml, len(psm), psm))
	acked := map[string]bool{}
	for len(acked) < 5 {
		l, _, err := c.Next()
		if err != nil {
			t.Fatalf("read: %v (acked %v)", err, acked)
		}
		for _, want := range []string{"ADL 5 OK", "PRP 6 MFN", "BLP 7 BL", "CHG 8 NLN", "UUX 9 0"} {
			if strings.HasPrefix(l, want) {
				acked[want] = true
			}
		}
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.wait()

	out, _ := run(t, "user", "list", "-data", data)
	if !strings.Contains(out, "Alice Durable") {
		t.Fatalf("name lost after kill -9:\n%s", out)
	}
	s.start()
	nsLogin(t, s, "alice@hotmail.com", "pw") // the restarted server serves her
	s.stop(syscall.SIGTERM)
	st, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, l, err := st.Lists("alice@hotmail.com")
	if err != nil || a.PSM != "still here" || l.BLP != "BL" || l.Bits("bob@hotmail.com") != store.ListForward|store.ListAllow {
		t.Fatalf("alice after kill -9: %+v %+v %v", a, l, err)
	}
	_, bl, _ := st.Lists("bob@hotmail.com")
	if bl.Bits("alice@hotmail.com")&store.ListReverse == 0 {
		t.Fatalf("bob's reverse list after kill -9: %+v", bl)
	}
}

// TestGatewayWiring: serve hands gateway sessions to the NS and the SB.
func TestGatewayWiring(t *testing.T) {
	s := startBinary(t, t.TempDir())
	// exchange posts body and polls until want arrived or the session closed.
	exchange := func(query, body, want string) (sid string, got string, closed bool) {
		t.Helper()
		deadline := time.Now().Add(patience)
		for time.Now().Before(deadline) {
			resp, err := http.Post("http://"+s.http+"/gateway/gateway.dll?"+query, "application/x-msn-messenger", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", query, resp.StatusCode, b)
			}
			h := resp.Header.Get("X-MSN-Messenger")
			m := regexp.MustCompile(`^SessionID=([0-9a-f]+); GW-IP=` + regexp.QuoteMeta(s.http) + `(; Session=close)?$`).FindStringSubmatch(h)
			if m == nil {
				t.Fatalf("X-MSN-Messenger: %q", h)
			}
			sid, got, closed = m[1], got+string(b), m[2] != ""
			if strings.Contains(got, want) || closed {
				return sid, got, closed
			}
			query, body = "Action=poll&SessionID="+sid, ""
			time.Sleep(250 * time.Millisecond) // under the gateway's 5 empty polls a second
		}
		t.Fatalf("%s: no %q", query, want)
		return
	}
	if _, got, closed := exchange("Action=open&Server=NS&IP=messenger.hotmail.com", "VER 1 MSNP14 MSNP13 CVR0\r\n", "VER 1 MSNP14\r\n"); got != "VER 1 MSNP14\r\n" || closed {
		t.Fatalf("NS through the gateway: %q closed=%v", got, closed)
	}
	// A bad switchboard cookie: 911 and the session closes.
	sid, got, closed := exchange("Action=open&Server=SB&IP=127.0.0.1:1864", "USR 1 alice@hotmail.com nosuchcookie\r\n", "911 1\r\n")
	if !closed {
		var more string
		_, more, closed = exchange("Action=poll&SessionID="+sid, "", "never")
		got += more
	}
	if got != "911 1\r\n" {
		t.Fatalf("SB through the gateway: %q", got)
	}
}

// TestVersion: the release's -X values and the Go version are printed.
func TestVersion(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "msnserver")
	ldflags := "-X main.version=v9.8.7 -X main.commit=0123456789abcdef"
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	want := "msnserver v9.8.7\ncommit 0123456789abcdef\n" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if err != nil || string(out) != want {
		t.Fatalf("version: %v\n%q, want %q", err, out, want)
	}
	// Without -X: "dev", and still the Go version.
	if out, err := run(t, "version"); err != nil || !strings.HasPrefix(out, "msnserver dev\ncommit ") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("plain build: %v\n%s", err, out)
	}
}

// TestSignupFlagAndSetupScript: -signup (here MSN_SIGNUP) sets the console's
// switch, which the next start without it keeps; the setup script for
// client PCs needs no login and carries the server's address.
func TestSignupFlagAndSetupScript(t *testing.T) {
	s := startBinary(t, t.TempDir())
	status := func(path string) (int, string) {
		resp, err := http.Get("http://" + s.admin + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := status("/signup"); code != http.StatusNotFound {
		t.Fatalf("sign-up without the flag: %d", code)
	}
	if code, body := status("/msnserver-setup.cmd"); code != 200 || !strings.Contains(body, "set \"ADDR=127.0.0.1\"\r\n") {
		t.Fatalf("setup script: %d\n%s", code, body)
	}
	for _, tc := range []struct {
		env  []string
		want int
	}{
		{[]string{"MSN_SIGNUP=1"}, http.StatusOK},
		{nil, http.StatusOK}, // the switch stays on
		{[]string{"MSN_SIGNUP=0"}, http.StatusNotFound},
	} {
		s.stop(syscall.SIGTERM)
		s.env = tc.env
		s.start()
		if code, _ := status("/signup"); code != tc.want {
			t.Fatalf("%v: /signup %d, want %d", tc.env, code, tc.want)
		}
	}
}
